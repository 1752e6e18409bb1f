import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createPerson, person } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * Apollo Client 4 as a front end uses it (issue 14, point 3): HttpLink for queries and mutations,
 * GraphQLWsLink for subscriptions, a normalised InMemoryCache with relayStylePagination over two pages
 * and node(id) refetches, against the live server, with no warning or error logged by the client.
 */
let env: TestServer;
let client: ApolloClient;
const logged: unknown[][] = [];
const originals = { warn: console.warn, error: console.error };

beforeAll(async () => {
  env = await startTestServer();
  // Every warning Apollo logs (missing merge functions, lost cache data, ...) fails the suite.
  console.warn = (...args: unknown[]) => logged.push(['warn', ...args]);
  console.error = (...args: unknown[]) => logged.push(['error', ...args]);
  const http = new HttpLink({ uri: env.url, headers: { authorization: `Bearer ${TOKENS.AGENT}` } });
  const ws = new GraphQLWsLink(createClient({ url: env.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${TOKENS.AGENT}` } }));
  client = new ApolloClient({
    link: ApolloLink.split(
      ({ query }) => {
        const definition = getMainDefinition(query);
        return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
      },
      ws,
      http,
    ),
    cache: new InMemoryCache({
      // Node is an interface: the cache must know its members to match fragments on it.
      possibleTypes: { Node: ['Agent', 'Conversation', 'Customer', 'CustomerMerge', 'Handover', 'Interaction', 'Location', 'Offer', 'Order', 'Product'] },
      typePolicies: {
        Query: { fields: { customers: relayStylePagination(['search']) } },
      },
    }),
  });
});
afterAll(async () => {
  console.warn = originals.warn;
  console.error = originals.error;
  client?.stop();
  await env.stop();
});

const CUSTOMERS = gql`
  query CustomerPage($search: String!, $first: Int!, $after: String) {
    customers(search: $search, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          id
          displayName
          email
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

const NODE = gql`
  query Refetch($id: ID!) {
    node(id: $id) {
      id
      ... on Customer {
        displayName
        email
      }
    }
  }
`;

const IDENTIFY = gql`
  mutation Identify($input: IdentifyCustomerInput!) {
    identifyCustomer(input: $input) {
      created
      customer {
        id
        displayName
        email
      }
      userErrors {
        code
        message
      }
    }
  }
`;

const RECORD = gql`
  mutation Record($input: RecordInteractionInput!) {
    recordInteraction(input: $input) {
      created
      interaction {
        id
        channel
      }
      userErrors {
        code
        message
      }
    }
  }
`;

const INTERACTIONS = gql`
  subscription Contacts($customerId: ID!) {
    interactionAdded(filter: { customerId: $customerId }) {
      eventId
      cursor
      interaction {
        id
        channel
        body
      }
    }
  }
`;

interface CustomerPage {
  customers: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; displayName: string; email: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe('Apollo Client 4', () => {
  it('pages customers with relayStylePagination over two pages into one normalised list', async () => {
    const city = unique('Apollo');
    const people = [];
    for (let i = 0; i < 3; i++) people.push(await createPerson(env, { ...person(), lastName: `${city}son` }));
    const first = await client.query<CustomerPage>({ query: CUSTOMERS, variables: { search: city, first: 2 } });
    expect(first.data!.customers.edges).toHaveLength(2);
    expect(first.data!.customers.pageInfo.hasNextPage).toBe(true);
    const watched = client.watchQuery<CustomerPage>({ query: CUSTOMERS, variables: { search: city, first: 2 } });
    await watched.fetchMore({ variables: { after: first.data!.customers.pageInfo.endCursor } });
    const merged = client.readQuery<CustomerPage>({ query: CUSTOMERS, variables: { search: city, first: 2 } })!;
    expect(merged.customers.edges.map((edge) => edge.node.id).sort()).toEqual(people.map((p) => p.id).sort());
    expect(merged.customers.pageInfo.hasNextPage).toBe(false);
    // Normalised: each customer is one cache entry, keyed by typename and id.
    const cached = client.cache.extract() as Record<string, unknown>;
    for (const p of people) expect(cached[`Customer:${p.id}`]).toMatchObject({ __typename: 'Customer', id: p.id });
    expect(logged).toEqual([]);
  });

  it('refetches by node(id) into the same cache entry, and a mutation updates it', async () => {
    const p = person();
    const created = await createPerson(env, p);
    const fetched = await client.query<{ node: { id: string; displayName: string; email: string } }>({
      query: NODE,
      variables: { id: created.id },
      fetchPolicy: 'network-only',
    });
    expect(fetched.data!.node).toMatchObject({ __typename: 'Customer', id: created.id, email: p.email });
    const { data } = await client.mutate<{ identifyCustomer: { created: boolean; customer: { id: string; email: string } } }>({
      mutation: IDENTIFY,
      variables: { input: { identities: [{ type: 'EMAIL', value: p.email }], channel: 'WEB' } },
    });
    expect(data!.identifyCustomer).toMatchObject({ created: false, customer: { id: created.id } });
    const cached = client.cache.extract() as Record<string, { email?: string }>;
    expect(cached[`Customer:${created.id}`].email).toBe(p.email);
    expect(logged).toEqual([]);
  });

  it('runs a subscription over GraphQLWsLink that sees a mutation sent over HttpLink', async () => {
    const customer = await createPerson(env);
    const events: { interactionAdded: { interaction: { id: string; body: string } } }[] = [];
    const subscription = client.subscribe<(typeof events)[number]>({ query: INTERACTIONS, variables: { customerId: customer.id } }).subscribe({
      next: (result) => {
        if (result.data) events.push(result.data as (typeof events)[number]);
      },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500)); // the subscription is live before the write
      const { data } = await client.mutate<{ recordInteraction: { interaction: { id: string } } }>({
        mutation: RECORD,
        variables: {
          input: {
            source: 'apollo-test',
            externalId: unique('ap'),
            channel: 'CHAT',
            direction: 'INBOUND',
            customer: { id: customer.id },
            body: 'hello from Apollo',
          },
        },
      });
      const deadline = Date.now() + 10_000;
      while (events.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events.map((event) => event.interactionAdded.interaction)).toEqual([
        expect.objectContaining({ id: data!.recordInteraction.interaction.id, body: 'hello from Apollo' }),
      ]);
    } finally {
      subscription.unsubscribe();
    }
    expect(logged).toEqual([]);
  });
});

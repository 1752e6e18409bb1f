import { cacheExchange, Client, fetchExchange, gql, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createPerson, person } from './support/customers';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * urql on its defaults (issue 14, point 3): @urql/core's document cache and fetch exchange, which send a
 * short query as GET (`preferGetMethod: 'within-url-limit'`, which got 400 from CSRF prevention
 * before), plus the graphql-ws subscription exchange. Only the token is configured.
 */
let env: TestServer;
let client: Client;
let ws: ReturnType<typeof createWsClient>;
const methods: string[] = [];

beforeAll(async () => {
  env = await startTestServer();
  ws = createWsClient({ url: env.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${TOKENS.AGENT}` } });
  client = new Client({
    url: env.url,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
    fetchOptions: () => ({ headers: { authorization: `Bearer ${TOKENS.AGENT}` } }),
    // The global fetch, only watched: which HTTP method urql chose.
    fetch: (input, init) => {
      methods.push(init?.method ?? 'GET');
      return fetch(input, init);
    },
  });
});
afterAll(async () => {
  await ws?.dispose();
  await env.stop();
});

const CUSTOMER_PAGE = gql`
  query CustomerPage($id: ID!) {
    customer(id: $id) {
      id
      displayName
      email
      identities {
        type
        value
      }
      stats {
        orderCount
        channelsUsed
        openConversations
      }
      conversations(first: 3) {
        edges {
          node {
            id
            status
            channels
          }
        }
      }
      timeline(first: 5) {
        edges {
          node {
            id
            kind
            at
            channel
          }
        }
      }
    }
  }
`;

describe('urql on its defaults', () => {
  it('loads a customer page over GET (its default for short queries) and serves it again from its cache', async () => {
    const p = person();
    const created = await createPerson(env, p);
    methods.length = 0;
    const result = await client.query(CUSTOMER_PAGE, { id: created.id }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data.customer).toMatchObject({
      id: created.id,
      email: p.email,
      identities: expect.arrayContaining([{ __typename: 'Identity', type: 'EMAIL', value: p.email }]),
    });
    expect(methods).toEqual(['GET']);
    const again = await client.query(CUSTOMER_PAGE, { id: created.id }).toPromise();
    expect(again.data).toEqual(result.data);
    expect(methods).toEqual(['GET']);
  });

  it('sends a mutation over POST', async () => {
    methods.length = 0;
    const email = `${unique('urql')}@example.com`;
    const result = await client
      .mutation(
        gql`
          mutation Identify($input: IdentifyCustomerInput!) {
            identifyCustomer(input: $input) {
              created
              customer {
                id
                email
              }
              userErrors {
                code
              }
            }
          }
        `,
        { input: { identities: [{ type: 'EMAIL', value: email }], channel: 'WEB' } },
      )
      .toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data.identifyCustomer).toMatchObject({ created: true, customer: { email }, userErrors: [] });
    expect(methods).toEqual(['POST']);
  });

  it('receives a subscription through the graphql-ws exchange', async () => {
    const customer = await createPerson(env);
    const received: { id: string; body: string }[] = [];
    const { unsubscribe } = client
      .subscription(
        gql`
          subscription Contacts($customerId: ID!) {
            interactionAdded(filter: { customerId: $customerId }) {
              eventId
              cursor
              interaction {
                id
                body
              }
            }
          }
        `,
        { customerId: customer.id },
      )
      .subscribe((result) => {
        if (result.data) received.push(result.data.interactionAdded.interaction);
      });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const recorded = await client
        .mutation(
          gql`
            mutation Record($input: RecordInteractionInput!) {
              recordInteraction(input: $input) {
                interaction {
                  id
                }
                userErrors {
                  code
                }
              }
            }
          `,
          {
            input: {
              source: 'urql-test',
              externalId: unique('uq'),
              channel: 'EMAIL',
              direction: 'INBOUND',
              customer: { id: customer.id },
              body: 'hello from urql',
            },
          },
        )
        .toPromise();
      expect(recorded.error).toBeUndefined();
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toEqual([{ id: recorded.data.recordInteraction.interaction.id, body: 'hello from urql' }]);
    } finally {
      unsubscribe();
    }
  });
});

import type { Context } from '../../context/context';
import { DomainError, CommonErrorCode } from '../../common/errors';
import { query } from '../../database/sql';
import { resolveSurvivorId } from './customer.service';
import type { DuplicateCandidateType } from './customer.type';

interface Signal {
  customerId: string;
  kind: 'phone' | 'email_local' | 'name' | 'name_city' | 'identity_value';
  detail: string;
  similarity: number;
}

const WEIGHTS: Record<Signal['kind'], number> = {
  phone: 0.6,
  identity_value: 0.5,
  email_local: 0.3,
  name: 0.35,
  name_city: 0.25,
};

/**
 * `duplicateCandidates`: other active customers that may be the same person, scored from a few
 * explainable signals (same phone digits, same e-mail local part, similar name, same city). One SQL
 * statement gathers the signals through the trigram and identity indexes; scoring is a sum of weights.
 */
export async function duplicateCandidates(ctx: Context, customerId: string): Promise<DuplicateCandidateType[]> {
  const id = await resolveSurvivorId(ctx.em, customerId);
  if (!id) throw new DomainError(CommonErrorCode.NOT_FOUND, `No customer ${customerId}.`);
  const signals = await query<Signal>(
    ctx.em,
    `with me as (
       select id, lower(concat_ws(' ', first_name, last_name)) as name, lower(city) as city from customer where id = ? and status = 'ACTIVE'
     ),
     my_identity as (select type, system, value from identity where customer_id = ?),
     others as (select c.* from customer c where c.merged_into_id is null and c.status = 'ACTIVE' and c.id <> ?)
     -- the same phone digits (last nine) under any system
     select i.customer_id as "customerId", 'phone' as kind, i.value as detail, 1.0::float as similarity
       from my_identity m join identity i on i.type = 'PHONE' and m.type = 'PHONE'
        and right(regexp_replace(i.value, '\\D', '', 'g'), 9) = right(regexp_replace(m.value, '\\D', '', 'g'), 9)
      where i.customer_id <> ?
     union all
     -- the same value under another system (a loyalty number, a handle, a key)
     select i.customer_id, 'identity_value', i.type || ' ' || i.value, 1.0
       from my_identity m join identity i on i.value = m.value and i.type = m.type and i.system <> m.system
      where i.customer_id <> ? and m.type <> 'PHONE'
     union all
     -- the same e-mail local part (dots and +tags ignored)
     select i.customer_id, 'email_local', split_part(i.value, '@', 1), 1.0
       from my_identity m join identity i on i.type = 'EMAIL' and m.type = 'EMAIL'
        and regexp_replace(split_part(i.value, '@', 1), '\\.|\\+.*$', '', 'g') = regexp_replace(split_part(m.value, '@', 1), '\\.|\\+.*$', '', 'g')
        and i.value <> m.value
      where i.customer_id <> ?
     union all
     -- a similar name (trigram similarity), optionally in the same city. The index narrows by word
     -- similarity (the name against any stretch of the search text, which also holds every identity
     -- value, so whole-text similarity would miss customers with many identities); names decide.
     select o.id, case when me.city is not null and lower(o.city) = me.city then 'name_city' else 'name' end,
            concat_ws(' ', o.first_name, o.last_name), similarity(lower(concat_ws(' ', o.first_name, o.last_name)), me.name)
       from me join others o on o.search_text %> me.name
      where me.name <> '' and similarity(lower(concat_ws(' ', o.first_name, o.last_name)), me.name) >= 0.5`,
    [id, id, id, id, id, id],
  );
  const byCustomer = new Map<string, { score: number; reasons: string[] }>();
  for (const signal of signals) {
    const entry = byCustomer.get(signal.customerId) ?? { score: 0, reasons: [] };
    const similarity = Number(signal.similarity);
    if (signal.kind === 'name_city') {
      entry.score += WEIGHTS.name * similarity + WEIGHTS.name_city;
      entry.reasons.push(`similar name (${similarity.toFixed(2)}) and same city`);
    } else {
      entry.score += WEIGHTS[signal.kind] * similarity;
      entry.reasons.push(
        signal.kind === 'phone' ? 'same normalised phone'
          : signal.kind === 'identity_value' ? `same ${signal.detail.split(' ')[0].toLowerCase()} value in another system`
          : signal.kind === 'email_local' ? 'same e-mail local part'
          : `similar name (${similarity.toFixed(2)})`,
      );
    }
    byCustomer.set(signal.customerId, entry);
  }
  // A name alone is weak; an e-mail local part alone is weak: both must add up.
  return [...byCustomer.entries()]
    .map(([candidateId, entry]) => ({ customerId: candidateId, score: Math.min(1, Math.round(entry.score * 100) / 100), reasons: [...new Set(entry.reasons)] }))
    .filter((candidate) => candidate.score >= 0.3)
    .sort((a, b) => b.score - a.score || a.customerId.localeCompare(b.customerId))
    .slice(0, 20);
}

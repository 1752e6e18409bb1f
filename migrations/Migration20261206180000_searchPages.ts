import { Migration } from '@mikro-orm/migrations';

/**
 * The page of a search (`customers(search)`, `products(search)`), as ids in the page's order, planned on
 * every call with the pattern's own selectivity. A prepared statement's generic plan has to pick one
 * plan for every pattern: the trigram index, right for a rare name and a table's worth of matches to
 * sort for a common fragment, or the key order read backwards with the pattern as a filter, right for a
 * common fragment and a full scan for a rare one. EXECUTE ... USING plans the statement with the values,
 * so each pattern gets its own plan, while the statement that calls the function (with everything the
 * selection reads below the page) stays prepared: the page and its relations in one round trip.
 */
export class Migration20261206180000_searchPages extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create function customer_search_page(pattern text, after_id text, size int) returns setof text
      language plpgsql stable rows 21 as $$
      begin
        return query execute
          'select c.id from customer c
            where c.merged_into_id is null and c.search_text like $1 escape ''\\'' and ($2::text is null or c.id < $2)
            order by c.id desc limit $3'
          using pattern, after_id, size;
      end $$;`);
    this.addSql(`create function product_search_page(pattern text, after_sku text, size int) returns setof text
      language plpgsql stable rows 21 as $$
      begin
        return query execute
          'select p.id from product p
            where p.search_text like $1 escape ''\\'' and ($2::text is null or p.sku > $2)
            order by p.sku limit $3'
          using pattern, after_sku, size;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function product_search_page(text, text, int);');
    this.addSql('drop function customer_search_page(text, text, int);');
  }
}

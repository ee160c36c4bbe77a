// The data of the federation scenario of graphql-hive/graphql-gateways-benchmark (its Rust subgraphs): six users,
// nine products, eleven reviews over four texts. Static: every request returns the same 87,600 bytes.

export interface User { id: string; name: string; username: string; birthday: number }
export interface Product { upc: string; name: string; price: number; weight: number }
export interface Stock { upc: string; inStock: boolean }
export interface Review { id: string; body: string; product: { upc: string } }

export const users: User[] = [
  ['1', 'Uri Goldshtein', 'urigo'],
  ['2', 'Dotan Simha', 'dotansimha'],
  ['3', 'Kamil Kisiela', 'kamilkisiela'],
  ['4', 'Arda Tanrikulu', 'ardatan'],
  ['5', 'Gil Gardosh', 'gilgardosh'],
  ['6', 'Laurin Quast', 'laurin'],
].map(([id, name, username]) => ({ id: id!, name: name!, username: username!, birthday: 1234567890 }));

export const products: Product[] = [
  { upc: '1', name: 'Table', price: 899, weight: 100 },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000 },
  { upc: '3', name: 'Glass', price: 15, weight: 20 },
  { upc: '4', name: 'Chair', price: 499, weight: 100 },
  { upc: '5', name: 'TV', price: 1299, weight: 1000 },
  { upc: '6', name: 'Lamp', price: 6999, weight: 300 },
  { upc: '7', name: 'Grill', price: 3999, weight: 2000 },
  { upc: '8', name: 'Fridge', price: 100000, weight: 6000 },
  { upc: '9', name: 'Sofa', price: 9999, weight: 800 },
];

// Inventory knows stock only: like the original, it does not use the price/weight that @requires sends along,
// so shippingEstimate is null for every product.
const inStockUpcs = new Set(['1', '5', '6', '7', '9']);
export const stock: Stock[] = products.map((p) => ({ upc: p.upc, inStock: inStockUpcs.has(p.upc) }));

const TEXT = {
  a:
    'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna ' +
    'aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. ' +
    'Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint ' +
    'occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.',
  b:
    'Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem aperiam, ' +
    'eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo. Nemo enim ipsam ' +
    'voluptatem quia voluptas sit aspernatur aut odit aut fugi',
  c:
    'sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, qui dolorem ' +
    'ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi tempora incidunt ut labore et ' +
    'dolore magnam aliquam quaerat voluptatem.',
  d: 'Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam, nisi ut aliquid ex ea commodi consequatur? Quis autem',
  e:
    'At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti atque ' +
    'corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, similique sunt in culpa ' +
    'qui officia deserunt mollitia animi, id est laborum et dolorum fuga. Et harum quidem rerum facilis est et expedita ' +
    'distinctio. Nam libero tempore, cum soluta nobis est eligendi optio cumque nihil impedit quo minus id quod maxime ' +
    'placeat facere possimus, omnis voluptas assumenda est, omnis dolor repellendus. Temporibus autem quibusdam et aut ' +
    'officiis debitis aut rerum necessitatibus saepe eveniet ut et voluptates repudiandae sint et molestiae non ' +
    'recusandae. Itaque earum rerum hic tenetur a sapiente delectus, ut aut reiciendis voluptatibus maiores alias ' +
    'consequatur aut perferendis doloribus asperiores repellat.',
};

// [review id, text, product upc]
export const reviews: Review[] = (
  [
    ['1', 'a', '1'], ['2', 'b', '1'], ['3', 'c', '1'], ['4', 'd', '1'],
    ['5', 'a', '2'], ['6', 'b', '2'], ['7', 'c', '2'], ['8', 'd', '2'],
    ['9', 'd', '3'], ['10', 'd', '4'], ['11', 'e', '4'],
  ] as const
).map(([id, text, upc]) => ({ id, body: TEXT[text], product: { upc } }));

/** What the reviews subgraph answers for any user's reviews, and for every review's author (the original's quirks). */
export const reviewsOfAnyUser = () => reviews.slice(0, 2);
export const reviewAuthor = () => ({ id: '1', username: 'urigo', reviews: reviewsOfAnyUser() });

/** GraphiQL's first tabs: the operations a newcomer wants to try, ready to run. */
export interface ExampleTab {
  query: string;
  variables: string;
}

export const EXAMPLE_TABS: readonly ExampleTab[] = [
  {
    // The first tab needs no variables JSON: graphiql 4 starts its variables editor empty, whatever the first tab holds.
    query: `# Adds a product: choose a photo in the Upload panel (the paperclip on the left),
# then run. The photo goes up as $image in a multipart request.
# sourceUrl is unique in the catalogue: change it to add another product.
# The analysis runs in the background: watch it in the ProductAdded tab, or query product(id).
mutation AddProduct($image: Upload!) {
  addProduct(sourceUrl: "https://shop.example/products/red-mug", image: $image) {
    id
    sourceUrl
    tags
    analysis { status stage progress }
    photos { url width height }
  }
}
`,
    variables: "",
  },
  {
    query: `# Finds the products that look like a photo (chosen in the Upload panel; not stored).
mutation FindSimilarProducts($image: Upload!, $limit: Int! = 5) {
  findSimilarProducts(image: $image, limit: $limit) {
    queryTags
    matches {
      score
      matchedTags
      product { id sourceUrl tags }
    }
  }
}
`,
    variables: JSON.stringify({ limit: 5 }, null, 2),
  },
  {
    query: `# Finds products by words, matched against their tags, captions and page addresses.
query Search($query: String!) {
  search(query: $query, limit: 10) {
    score
    matchedTags
    product { id sourceUrl tags caption }
  }
}
`,
    variables: JSON.stringify({ query: "red cup" }, null, 2),
  },
  {
    query: `# Over graphql-ws, until you stop it: products arrive here as their analysis completes.
# Run it, then add a product in the first tab.
subscription ProductAdded {
  productAdded {
    id
    sourceUrl
    tags
    caption
  }
}
`,
    variables: "",
  },
];

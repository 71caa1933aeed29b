/** GraphiQL's first tabs: the operations a newcomer wants to try, ready to run. */
export interface ExampleTab {
  query: string;
  variables: string;
}

export const EXAMPLE_TABS: readonly ExampleTab[] = [
  {
    query: `# Adds a product: choose a photo in the Upload panel (the paperclip on the left),
# then run. The photo goes up as $image in a multipart request.
mutation AddProduct($sourceUrl: String!, $image: Upload!) {
  addProduct(sourceUrl: $sourceUrl, image: $image) {
    id
    sourceUrl
    tags
    photos { url width height }
  }
}
`,
    variables: JSON.stringify({ sourceUrl: "https://shop.example/products/red-mug" }, null, 2),
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
    query: `# Finds products by words, matched against their tags.
query Search($query: String!) {
  search(query: $query, limit: 10) {
    score
    matchedTags
    product { id sourceUrl tags }
  }
}
`,
    variables: JSON.stringify({ query: "red cup" }, null, 2),
  },
];

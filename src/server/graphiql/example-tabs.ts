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
    query: `# Changes a product in place: paste its id (from the AddProduct tab) into the variables.
# Fields left out stay as they are; null clears externalId or title; attributes replaces them all.
# Add a second photo with addPhoto(productId, image), or take one away with removePhoto(photoId).
mutation UpdateProduct($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) {
    id
    sourceUrl
    externalId
    title
    attributes { name value }
  }
}
`,
    variables: JSON.stringify({ id: "paste a product id", input: { externalId: "MUG-001", title: "Red ceramic mug", attributes: [{ name: "brand", value: "Acme" }] } }, null, 2),
  },
  {
    query: `# Removes a product with its photos, analyses and tags (NOT_FOUND the second time).
mutation DeleteProduct($id: ID!) {
  deleteProduct(id: $id)
}
`,
    variables: JSON.stringify({ id: "paste a product id" }, null, 2),
  },
  {
    query: `# Imports products from a feed by image URL (up to 1,000 items): the server fetches
# each image (public addresses only) and analyses it in the background. Run it again:
# known products (by externalId, else sourceUrl) are updated, unchanged images skipped.
# Follow it in the ImportProgress tab with the id it returns.
mutation ImportProducts($items: [ImportItemInput!]!) {
  importProducts(items: $items) {
    id
    total
    pending
    failed
  }
}
`,
    variables: JSON.stringify(
      { items: [{ imageUrl: "https://images.shop.example/red-mug.jpg", sourceUrl: "https://shop.example/products/red-mug", externalId: "MUG-001", title: "Red ceramic mug" }] },
      null,
      2,
    ),
  },
  {
    query: `# Over graphql-ws: an import's counts, then each item as it is done, skipped or fails (with its code).
subscription ImportProgress($importId: ID!) {
  importProgress(importId: $importId) {
    done
    skipped
    failed
    pending
    finished
    item { index status error { code message } product { id } }
  }
}
`,
    variables: JSON.stringify({ importId: "paste an import id" }, null, 2),
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

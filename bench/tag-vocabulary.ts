/**
 * Word lists for the synthetic catalogue, most common first: the position of
 * a word is its Zipf rank. Values are raw, as a tagger would emit them;
 * flattenTags normalises them on the way in, as in production.
 */

const OBJECTS_TEXT = `
t-shirt, shirt, dress, sneaker, handbag, jeans, mug, bottle, chair, lamp,
sofa, jacket, backpack, watch, sunglasses, cup, plate, table, hoodie, boot,
phone case, headphones, pillow, vase, sweater, skirt, shorts, cap, wallet, bowl,
candle, notebook, pen, rug, blanket, towel, shelf, mirror, clock, scarf,
belt, sandal, heel, earring, necklace, ring, bracelet, laptop, keyboard, mouse,
speaker, charger, cable, toy, doll, teddy bear, puzzle, book, poster, frame,
plant, pot, basket, box, jar, glass, teapot, kettle, pan, knife,
fork, spoon, cutting board, blender, toaster, coffee maker, tumbler, thermos, lunch box, desk,
stool, bench, bed, nightstand, dresser, wardrobe, cabinet, bookcase, ottoman, curtain,
duvet cover, sheet, mattress, cushion, throw, coat, blazer, vest, cardigan, polo,
tank top, leggings, trousers, jumpsuit, romper, pajamas, sock, glove, beanie, hat,
umbrella, suitcase, tote bag, duffel bag, crossbody bag, clutch, purse, keychain, lipstick, perfume,
lotion, shampoo, soap, brush, comb, hair dryer, razor, toothbrush, smartwatch, tablet,
camera, tripod, drone, monitor, printer, router, microphone, game controller, bicycle, helmet,
skateboard, scooter, yoga mat, dumbbell, kettlebell, water bottle, tent, sleeping bag, fishing rod, golf ball,
tennis racket, football, basketball, baseball glove, surfboard, ski, snowboard, goggles, stroller, car seat,
crib, high chair, baby bottle, pacifier, bib, onesie, rattle, teether, dog bed, dog collar,
leash, cat tree, pet bowl, aquarium, bird cage, litter box, scratching post, chew toy, guitar, ukulele,
violin, piano, drum set, harmonica, flute, trumpet, saxophone, music stand, paint brush, easel,
sketchbook, marker, crayon, pencil, eraser, stapler, calculator, lantern, flashlight, candle holder,
string light, pendant light, floor lamp, desk lamp, chandelier, ceiling fan, heater, wall clock, alarm clock, picture frame,
photo album, figurine, sculpture, statue, ornament, wreath, garland, planter, watering can, garden hose,
shovel, rake, wheelbarrow, lawn mower, bird feeder, hammock, patio chair, grill, cooler, picnic basket,
camping chair, hiking boot, trail shoe, running shoe, slipper, loafer, oxford shoe, ballet flat, wedge, mule,
clog, espadrille, flip-flop, rain boot, snow boot, ankle boot, wine glass, champagne flute, beer mug, shot glass,
decanter, cocktail shaker, ice bucket, corkscrew, coaster, placemat, napkin, tablecloth, apron, oven mitt,
trivet, colander, whisk, ladle, spatula, rolling pin, measuring cup, mixing bowl, baking sheet, muffin tin,
cake stand, cookie jar, bread box, salt shaker, pepper mill, spice rack, soap dispenser, toothbrush holder, shower curtain, bath mat,
laundry basket, hamper, ironing board, iron, steamer, vacuum, doormat, coat rack, umbrella stand, key holder,
lunch bag, bento box, phone stand, laptop sleeve, mouse pad, desk organizer, bookend, jewelry box, makeup bag, hair clip
`;

/** ~300 product nouns, comma-separated above so multi-word names stay whole. */
export const OBJECT_NAMES: readonly string[] = splitNames(OBJECTS_TEXT);

export const COLOUR_NAMES: readonly string[] = [
  "black", "white", "gray", "blue", "brown", "red", "beige", "green", "navy", "pink",
  "silver", "yellow", "cream", "orange", "gold", "purple", "teal", "olive", "burgundy", "turquoise",
];

export const MATERIAL_NAMES: readonly string[] = [
  "cotton", "plastic", "wood", "leather", "metal", "glass", "ceramic", "polyester", "stainless steel", "denim",
  "wool", "linen", "silk", "bamboo", "rubber", "canvas", "suede", "velvet", "marble", "porcelain",
  "rattan", "cork", "brass", "copper", "concrete",
];

export const PATTERN_NAMES: readonly string[] = [
  "striped", "floral", "plaid", "polka dot", "checkered", "geometric", "camouflage", "paisley", "animal print", "herringbone",
  "tie-dye", "houndstooth", "chevron", "abstract", "solid",
];

export const STYLE_NAMES: readonly string[] = [
  "minimalist", "casual", "modern", "vintage", "colorful", "elegant", "rustic", "sporty", "bohemian", "scandinavian",
  "industrial", "retro", "luxury", "playful", "classic", "streetwear", "mid-century", "cottagecore", "preppy", "gothic",
  "futuristic", "coastal", "farmhouse", "art deco", "japandi",
];

const SYLLABLES = ["ka", "lo", "mi", "ne", "ro", "su", "ta", "vi", "zen", "bra", "cor", "del", "fin", "gra", "hol", "jun", "lux", "mar", "nor", "pex"];

/**
 * Words read off products by OCR: brand names, slogans, sizes. Invented but
 * pronounceable, and many more of them than of any other kind of tag.
 */
export const TEXT_WORDS: readonly string[] = [
  ...new Set(
    Array.from({ length: 2000 }, (_, index) => {
      const first = SYLLABLES[index % SYLLABLES.length] as string;
      const second = SYLLABLES[Math.floor(index / SYLLABLES.length) % SYLLABLES.length] as string;
      const third = index >= 400 ? (SYLLABLES[Math.floor(index / 400) % SYLLABLES.length] as string) : "";
      return `${first}${second}${third}`;
    }),
  ),
];

function splitNames(text: string): string[] {
  return text
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

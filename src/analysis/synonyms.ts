/**
 * Words people type (and other taggers use) for objects the detector knows
 * by another name. Applied to stored tags and to queries alike, so either
 * word finds the other.
 */
export const OBJECT_SYNONYMS: Readonly<Record<string, string>> = {
  mug: "cup",
  "coffee cup": "cup",
  "coffee mug": "cup",
  teacup: "cup",
  sofa: "couch",
  settee: "couch",
  tv: "television",
  "tv set": "television",
  telly: "television",
  "cell phone": "phone",
  cellphone: "phone",
  "mobile phone": "phone",
  smartphone: "phone",
  bike: "bicycle",
  motorbike: "motorcycle",
  fridge: "refrigerator",
  notebook: "laptop",
  "dining table": "table",
  "potted plant": "houseplant",
  sneaker: "shoe",
  trainer: "shoe",
  puppy: "dog",
  kitten: "cat",
  automobile: "car",
  aeroplane: "airplane",
  plane: "airplane",
  purse: "handbag",
  rucksack: "backpack",
};

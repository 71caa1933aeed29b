/**
 * Near duplicates by multi-index hashing, exact for any threshold d.
 *
 * The 64-bit perceptual hash is cut into 4 bands of 16 bits (columns
 * phash_band_0..3, each btree-indexed; see the photo_hashes migration). If two
 * hashes differ in at most d bits, spread over 4 bands, then some band differs
 * in at most r = floor(d / 4) bits (pigeonhole). So every match has, in some
 * band, one of the values within r bits of the photo's own: probing each band
 * with those values (the band XOR every mask of at most r bits) finds every
 * photo within d, and the exact distance then filters the candidates.
 *
 * Why 4 x 16 bits: a 16-bit band value is shared by ~1/65536 of random
 * photos, so even at a million photos each probe meets ~15 rows. Narrower
 * bands (8 x 8 bits: one probe each for d <= 7) would meet 256 times as many.
 * For the default d = 8, r = 2: 1 + 16 + 120 = 137 probes per band, 548 per
 * photo; NEAR_DUPLICATE_MAX_DISTANCE stops at 11 (still r = 2), as r = 3
 * would mean 2,788. The band indexes include the hash and the id, so
 * candidates are filtered by an index-only scan without reading the table:
 * at a million random hashes, 7 ms per photo for d = 8 (2.6 ms for d = 7),
 * where fetching every candidate's row took 250 ms.
 */

export const HASH_BANDS = 4;
export const BAND_BITS = 16;
/** The longest list a photo's nearDuplicates returns. */
export const MAX_NEAR_DUPLICATES = 100;

const masksByRadius = new Map<number, readonly number[]>();

/** Every BAND_BITS-bit mask with at most floor(maxDistance / HASH_BANDS) bits set, 0 first. */
export function bandProbeMasks(maxDistance: number): readonly number[] {
  const radius = Math.floor(maxDistance / HASH_BANDS);
  let masks = masksByRadius.get(radius);
  if (!masks) {
    masks = Array.from({ length: 2 ** BAND_BITS }, (_, mask) => mask).filter((mask) => bitCount(mask) <= radius);
    masksByRadius.set(radius, masks);
  }
  return masks;
}

function bitCount(value: number): number {
  let count = 0;
  for (let rest = value; rest; rest &= rest - 1) count += 1;
  return count;
}

/** Photos of one band whose value is one of the probes, within the distance: an index scan per probe. */
const candidatesInBand = (band: number) => `
    select probe.source_id, photo.id, bit_count((probe.hash # photo.perceptual_hash)::bit(64))::int as distance
    from probe
    join photo on photo.phash_band_${band} = probe.value
    where probe.band = ${band} and bit_count((probe.hash # photo.perceptual_hash)::bit(64)) <= probe.max_distance`;

/** The query over a `source` CTE of (id, hash, bands): ranked near duplicates per source. */
const nearDuplicatesOf = (source: string) => `
  with source as (${source}),
  probe as (
    select source.id as source_id, source.hash, band.number - 1 as band, band.value # mask.value as value, ?::int as max_distance
    from source
    cross join lateral unnest(source.bands) with ordinality as band(value, number)
    cross join unnest(?::int[]) as mask(value)
  ),
  candidate as (${Array.from({ length: HASH_BANDS }, (_, band) => candidatesInBand(band)).join("\n    union")}
  ),
  ranked as (
    select candidate.source_id, candidate.distance, photo.*,
           row_number() over (partition by candidate.source_id order by candidate.distance, photo.created_at, photo.id) as rank
    from candidate
    join photo on photo.id = candidate.id
    where candidate.id is distinct from candidate.source_id
  )
  select id, product_id, storage_key, mime_type, width, height, byte_size, sha256, perceptual_hash, features, created_at, source_id, distance
  from ranked
  where rank <= ?
  order by source_id, rank`;

/**
 * Parameters: source photo ids (uuid[] literal), max distance, probe masks
 * (int[] literal), max rows per source. Returns the near duplicates' photo
 * columns (the entity's, not the bands), with source_id and distance, closest
 * first (then oldest) per source. `union` drops a photo found through several
 * bands; a photo is not its own near duplicate.
 */
export const NEAR_DUPLICATES_OF_PHOTOS = nearDuplicatesOf(`
    select id, perceptual_hash as hash, array[phash_band_0, phash_band_1, phash_band_2, phash_band_3] as bands
    from photo
    where id = any(?::uuid[]) and perceptual_hash is not null`);

/**
 * The same for every photo of one product (parameter: its id, then as
 * above from max distance on): the near duplicates of "products like this
 * one", in one statement.
 */
export const NEAR_DUPLICATES_OF_PRODUCT = nearDuplicatesOf(`
    select id, perceptual_hash as hash, array[phash_band_0, phash_band_1, phash_band_2, phash_band_3] as bands
    from photo
    where product_id = ?::uuid and perceptual_hash is not null`);

/**
 * The same for a hash that is not stored (a query photo's): parameters the
 * hash (bigint, as text), then as above from max distance on. source_id is null.
 */
export const NEAR_DUPLICATES_OF_HASH = nearDuplicatesOf(`
    select null::uuid as id, h.hash,
           array[(h.hash & 65535)::integer, ((h.hash >> 16) & 65535)::integer, ((h.hash >> 32) & 65535)::integer, ((h.hash >> 48) & 65535)::integer] as bands
    from (select ?::bigint as hash) as h`);

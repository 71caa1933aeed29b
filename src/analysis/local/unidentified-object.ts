/**
 * Carries what belongs to the photo as a whole (its colours, words outside any
 * object) when no detected object fills enough of the frame to own them.
 * Search needs those tags, and the schema keeps attributes on objects. The
 * object itself gives no `object:` tag (see isPlaceholderObjectType in
 * analysis/tags.ts), and the caption speaks of "a photo" instead (caption.ts).
 */
export const UNIDENTIFIED_OBJECT_TYPE = "unidentified object";

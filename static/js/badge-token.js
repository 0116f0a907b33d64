// Badge codes in the browser: parse, verify the Ed25519 signature (WebCrypto),
// and decide at the door when the server cannot be reached.
// The format is described in docs/badges.md and conference/badges/tokens.py.

const PREFIX = "CB1";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const PAYLOAD_BYTES = 26;
const SIGNATURE_BYTES = 64;

export class MalformedToken extends Error {}

export function base32Decode(text) {
  const bytes = [];
  let buffer = 0;
  let bits = 0;
  for (const character of text) {
    const value = ALPHABET.indexOf(character);
    if (value < 0) throw new MalformedToken("not base32");
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return new Uint8Array(bytes);
}

export function base32Encode(bytes) {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function base64UrlDecode(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function parseToken(text) {
  const cleaned = String(text).replace(/\s+/g, "").toUpperCase();
  const parts = cleaned.split(".");
  if (parts.length !== 3 || parts[0] !== PREFIX) throw new MalformedToken("not a badge code");
  const payload = base32Decode(parts[1]);
  const signature = base32Decode(parts[2]);
  if (payload.length !== PAYLOAD_BYTES || signature.length !== SIGNATURE_BYTES) {
    throw new MalformedToken("wrong length");
  }
  if (base32Encode(payload) !== parts[1] || base32Encode(signature) !== parts[2]) {
    throw new MalformedToken("not canonical");
  }
  const view = new DataView(payload.buffer);
  const version = view.getUint16(24);
  if (version === 0) throw new MalformedToken("version 0");
  return {
    badge: base32Encode(payload.slice(0, 16)),
    eventId: view.getUint32(16),
    keyId: hex(payload.slice(20, 24)),
    version,
    payload,
    signature,
  };
}

export async function importPublicKey(rawBase64Url) {
  return crypto.subtle.importKey("raw", base64UrlDecode(rawBase64Url), { name: "Ed25519" }, false, [
    "verify",
  ]);
}

export async function verifyToken(parsed, cryptoKey) {
  const message = new Uint8Array(PREFIX.length + parsed.payload.length);
  message.set(new TextEncoder().encode(PREFIX), 0);
  message.set(parsed.payload, PREFIX.length);
  try {
    return await crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, parsed.signature, message);
  } catch {
    return false;
  }
}

const MESSAGES = {
  checked_in: "Checked in. Welcome!",
  invalid_code: "Not a valid badge: unreadable, altered or forged.",
  wrong_event: "This badge is for another event.",
  revoked_badge: "This badge was revoked or replaced by a newer one.",
  revoked_key: "This badge was signed with a withdrawn key. The attendee needs a new badge.",
  not_approved: "The registration is not approved.",
  session_cancelled: "This session is cancelled.",
  not_authorised: "Not authorised for this restricted session.",
  not_booked: "Not booked in this session, and it requires booking.",
  already_checked_in: "Already checked in here.",
  already_in: "Already in today (checked on this device).",
  let_in_again: "Let in again. Welcome back!",
  unknown_badge: "Genuine badge, but not in the list loaded for offline use; checked again on sync.",
};

// ``messages`` (optional): the same texts in the page's language, by reason; English otherwise.
function answerIn(result, reason, attendee = null, messages = null) {
  const message = messages?.[reason] || MESSAGES[reason];
  return { result, reason, message, attendee, offline: true };
}

// data: {eventId, keys: {keyId: {cryptoKey, status}}, revocations: {badge: {valid_version, revoked}},
//        attendees: {badge: attendee}, checkpoint: {key, restricted_to, restricted_delegations,
//        requires_booking, cancelled},
//        seen: Set of "badge|checkpoint|day" already admitted on this device,
//        admitsReentry: whether the entrance lets in again someone already in, letInAgain,
//        messages: optional {reason: text} in the page's language}
export async function decideOffline(code, data) {
  const answer = (result, reason, attendee = null) => answerIn(result, reason, attendee, data.messages);
  let parsed;
  try {
    parsed = parseToken(code);
  } catch {
    return answer("refused", "invalid_code");
  }
  if (parsed.eventId !== data.eventId) return answer("refused", "wrong_event");
  const key = data.keys[parsed.keyId];
  if (!key || !(await verifyToken(parsed, key.cryptoKey))) return answer("refused", "invalid_code");
  if (key.status === "revoked") return answer("refused", "revoked_key");
  const revoked = data.revocations[parsed.badge];
  if (revoked && (revoked.revoked || parsed.version < revoked.valid_version)) {
    return answer("refused", "revoked_badge", data.attendees[parsed.badge] || null);
  }
  const attendee = data.attendees[parsed.badge];
  if (!attendee) return { ...answer("accepted", "unknown_badge"), badge: parsed.badge };
  if (attendee.badge_revoked || parsed.version < attendee.badge_version) {
    return answer("refused", "revoked_badge", attendee);
  }
  if (attendee.status !== "approved") return answer("refused", "not_approved", attendee);
  const checkpoint = data.checkpoint;
  if (checkpoint.key !== "entrance") {
    const sessionId = Number(checkpoint.key.split(":")[1]);
    if (checkpoint.cancelled) return answer("refused", "session_cancelled", attendee);
    const restricted = checkpoint.restricted_to || [];
    const delegations = checkpoint.restricted_delegations || [];
    // Categories OR delegations: a verified listed category, or an accepted nominee of one.
    if (
      (restricted.length || delegations.length) &&
      !(attendee.category_verified && restricted.includes(attendee.category)) &&
      !(attendee.delegation != null && delegations.includes(attendee.delegation))
    ) {
      return answer("refused", "not_authorised", attendee);
    }
    if (checkpoint.requires_booking && !(attendee.bookings || []).includes(sessionId)) {
      return answer("refused", "not_booked", attendee);
    }
  }
  const seenKey = `${parsed.badge}|${checkpoint.key}|${data.day || ""}`;
  if (data.seen && data.seen.has(seenKey)) {
    // The entrance may admit re-entry (amber until staff confirm); session doors do not.
    if (checkpoint.key !== "entrance" || !data.admitsReentry) {
      return answer("refused", "already_checked_in", attendee);
    }
    if (!data.letInAgain) return { ...answer("already_in", "already_in", attendee), can_let_in_again: true };
    return { ...answer("accepted", "let_in_again", attendee), badge: parsed.badge };
  }
  return { ...answer("accepted", "checked_in", attendee), seenKey, badge: parsed.badge };
}

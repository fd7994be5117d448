/* The door's rules for offline scanning: the JavaScript twin of anticafe/door/rules.py.

   Pure functions (no DOM, no storage): the scanner page uses them when the network is gone, and
   tests/unit/test_door_offline_rules.py runs them under node against the same table of cases
   (tests/unit/door_rules_cases.json) as the Python rules. Change both together. */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.anticafeDoorRules = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  var SEPARATORS = /[\s\-_.]+/g;
  var MAX_RAW_LENGTH = 500;
  var MIN_LINKED_CODE_LENGTH = 8;
  var TICKET_PATH = /^\/t\/([^/?#]+)\/?$/;
  var HASH_PREFIX = "anticafe-ticket:";
  var MINUTE = 60 * 1000;

  /* codes.normalize: case, spaces and dashes forgiven; a character outside the alphabet is not guessed at. */
  function normalize(text) {
    var cleaned = String(text || "").replace(SEPARATORS, "").toUpperCase();
    if (!cleaned) return null;
    for (var i = 0; i < cleaned.length; i++) {
      if (ALPHABET.indexOf(cleaned.charAt(i)) < 0) return null;
    }
    return cleaned;
  }

  function unquote(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }

  /* rules.parse_code: a ticket URL (any host), a bare code, or null. */
  function parseCode(raw) {
    var text = String(raw || "").trim();
    if (!text || text.length > MAX_RAW_LENGTH) return null;
    var code;
    if (text.indexOf("://") >= 0) {
      var parts = /^([^:/?#]+):\/\/([^/?#]*)([^?#]*)/.exec(text);
      if (!parts) return null;
      var scheme = parts[1].toLowerCase();
      if (scheme !== "http" && scheme !== "https") return null;
      var path = unquote(parts[3]);
      var match = TICKET_PATH.exec(path);
      if (match) {
        code = normalize(match[1]);
        return code ? { kind: "ticket", code: code } : null;
      }
      var trimmed = path.replace(/\/+$/, "");
      code = normalize(trimmed.substring(trimmed.lastIndexOf("/") + 1));
      return code && code.length >= MIN_LINKED_CODE_LENGTH ? { kind: "code", code: code } : null;
    }
    code = normalize(text);
    return code ? { kind: "code", code: code } : null;
  }

  /* The venue date of a moment, as "YYYY-MM-DD". */
  function localDate(ms, timeZone) {
    var parts = new Intl.DateTimeFormat("en-CA", { timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date(ms));
    var get = function (type) { return parts.filter(function (p) { return p.type === type; })[0].value; };
    return get("year") + "-" + get("month") + "-" + get("day");
  }

  /* rules.window_times: when check-in opens and closes (milliseconds since the epoch). */
  function windowTimes(startsAt, endsAt, opensBeforeMinutes, closesAfterMinutes) {
    return { opensAt: Date.parse(startsAt) - opensBeforeMinutes * MINUTE, closesAt: Date.parse(endsAt) + closesAfterMinutes * MINUTE };
  }

  /* rules.window_state: "open", "wrong_day", "not_open_yet" or "over". */
  function windowState(now, window, startsAt, timeZone) {
    if (now > window.closesAt) return "over";
    if (now >= window.opensAt) return "open";
    if (localDate(now, timeZone) !== localDate(Date.parse(startsAt), timeZone)) return "wrong_day";
    return "not_open_yet";
  }

  /* rules.refusal: why a registration may not be checked in now, or null. */
  function refusal(registrationStatus, ticketRevoked, eventCancelled, state) {
    if (registrationStatus === "cancelled") return "registration_cancelled";
    if (ticketRevoked) return "ticket_revoked";
    if (registrationStatus === "waitlisted") return "waitlisted";
    if (eventCancelled) return "event_cancelled";
    if (state !== "open") return "outside_checkin_window";
    return null;
  }

  /* rules.scan_decision: checked_in, already_checked_in, or the refusal's code. */
  function scanDecision(o) {
    if (!o.found) return "unknown_code";
    if (o.eventId !== null && o.eventId !== undefined && o.ticketEventId !== o.eventId) return "wrong_event";
    if (o.checkedIn) return "already_checked_in";
    return refusal(o.registrationStatus || "confirmed", !!o.ticketRevoked, !!o.eventCancelled, o.window || "open") || "checked_in";
  }

  /* rules.offline_hash: hex SHA-256 of the prefix and the canonical code (a Promise). */
  function offlineHash(code) {
    var bytes = new TextEncoder().encode(HASH_PREFIX + code);
    return crypto.subtle.digest("SHA-256", bytes).then(function (digest) {
      return Array.prototype.map.call(new Uint8Array(digest), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
    });
  }

  return {
    normalize: normalize, parseCode: parseCode, windowTimes: windowTimes, windowState: windowState,
    refusal: refusal, scanDecision: scanDecision, offlineHash: offlineHash, localDate: localDate
  };
});

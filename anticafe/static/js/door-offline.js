/* The door without network: the offline list and the queue of offline scans, kept in IndexedDB.

   - Lists: per event, what the phone needs to decide a scan without the server (hashes of the ticket
     codes, never the codes; first name and initial, age band, status, check-in time). Refreshed every
     minute while online with the staff member's session; deleted after the event (`keep_until`).
   - Queue: every ticket scan decided offline, with its nonce, moment and decision; uploaded in order
     through the check-in API (`offline: true`, `scanned_at`) once the network is back. An item leaves
     the queue only when the server has answered it, so closing the page or restarting the phone loses
     nothing.
   The decisions themselves are anticafe/static/js/door-rules.js (the twin of the server's rules). */
(function () {
  "use strict";

  var R = window.anticafeDoorRules;
  var DB_NAME = "anticafe-door";
  var REFRESH_MS = 60 * 1000;
  var UPLOAD_RETRY_MS = 10 * 1000;

  /* ---------------------------------------------------------------- IndexedDB, as promises */
  var dbPromise = null;
  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("lists")) db.createObjectStore("lists", { keyPath: "eventId" });
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return dbPromise;
  }
  function tx(store, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(store, mode);
        var result;
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
        work(transaction.objectStore(store), function (value) { result = value; });
      });
    });
  }
  function getAll(store) {
    return tx(store, "readonly", function (s, done) {
      var request = s.getAll();
      request.onsuccess = function () { done(request.result); };
    });
  }
  function put(store, value) {
    return tx(store, "readwrite", function (s, done) {
      var request = s.put(value);
      request.onsuccess = function () { done(request.result); };
    });
  }
  function remove(store, key) {
    return tx(store, "readwrite", function (s) { s.delete(key); });
  }

  /* ---------------------------------------------------------------- state the page shows */
  var listeners = [];
  var state = { waiting: 0, lists: {}, sessionExpired: false, conflicts: 0, uploading: false };
  function changed() { listeners.forEach(function (fn) { try { fn(state); } catch (e) { /* a view's error */ } }); }

  function loadLists() {
    return getAll("lists").then(function (records) {
      var now = Date.now();
      var lists = {};
      var purge = [];
      records.forEach(function (record) {
        if (Date.parse(record.keepUntil) < now) purge.push(record.eventId); else lists[record.eventId] = record;
      });
      state.lists = lists;
      return Promise.all(purge.map(function (id) { return remove("lists", id); }));
    });
  }
  function countQueue() {
    return getAll("queue").then(function (items) { state.waiting = items.length; return items; });
  }

  /* ---------------------------------------------------------------- refreshing the lists */
  var api = null;
  var listUrl = null;

  function storeList(eventId, data) {
    var tickets = {};
    data.tickets.forEach(function (t) { tickets[t.hash] = t; });
    var record = {
      eventId: eventId, fetchedAt: new Date().toISOString(), keepUntil: data.keep_until, event: data.event,
      timezone: data.timezone, window: data.window, tickets: tickets
    };
    return put("lists", record).then(function () { state.lists[eventId] = record; });
  }

  function refresh(eventIds) {
    if (!api || !listUrl) return Promise.resolve();
    return eventIds.reduce(function (chain, eventId) {
      return chain.then(function () {
        return api("GET", listUrl.replace("__ID__", String(eventId))).then(function (response) {
          if (response.status === 401 || response.status === 403) { state.sessionExpired = true; return null; }
          if (!response.ok) return null;
          state.sessionExpired = false;
          return storeList(eventId, response.data);
        });
      });
    }, Promise.resolve()).then(loadLists).then(changed, function () { changed(); });
  }

  /* ---------------------------------------------------------------- deciding a scan offline */

  /* Find a scanned code in the lists: the chosen event's first, then any other event's. */
  function lookup(code, eventId) {
    return R.offlineHash(code).then(function (hash) {
      var order = Object.keys(state.lists).map(Number).sort(function (a, b) {
        return (a === eventId ? -1 : 0) - (b === eventId ? -1 : 0);
      });
      for (var i = 0; i < order.length; i++) {
        var list = state.lists[order[i]];
        if (list.tickets[hash]) return { hash: hash, list: list, entry: list.tickets[hash] };
      }
      return { hash: hash, list: null, entry: null };
    });
  }

  /* Decide what the server would, from the list and this phone's own earlier scans; queue ticket scans.
     Resolves to { result, entry, list, checkedInAt } once the scan is safely stored. */
  function decide(raw, options) {
    var eventId = options.eventId || null;
    var now = Date.now();
    var scanned = R.parseCode(raw);
    if (!scanned) return Promise.resolve({ result: "unknown_code", entry: null, list: null });
    return Promise.all([lookup(scanned.code, eventId), getAll("queue")]).then(function (found) {
      var hit = found[0], queue = found[1];
      if (!hit.entry) {
        return { result: "unknown_code", entry: null, list: null, noList: !!eventId && !state.lists[eventId] };
      }
      var list = hit.list, entry = hit.entry;
      var admittedHere = queue.filter(function (item) { return item.hash === hit.hash && item.result === "checked_in"; })[0];
      var checkedInAt = entry.checked_in_at || (admittedHere ? admittedHere.scannedAt : null);
      var window = { opensAt: Date.parse(list.window.opens_at), closesAt: Date.parse(list.window.closes_at) };
      var result = R.scanDecision({
        found: true, ticketEventId: list.eventId, eventId: eventId, checkedIn: !!checkedInAt,
        registrationStatus: entry.status, ticketRevoked: entry.revoked, eventCancelled: list.event.status === "cancelled",
        window: R.windowState(now, window, list.event.starts_at, list.timezone)
      });
      var item = {
        nonce: options.nonce, code: raw, eventId: eventId, hash: hit.hash, result: result,
        scannedAt: new Date(now).toISOString(), device: options.device, source: options.source
      };
      return put("queue", item).then(function () {
        state.waiting += 1;
        changed();
        scheduleUpload();
        return { result: result, entry: entry, list: list, checkedInAt: checkedInAt || (result === "checked_in" ? item.scannedAt : null) };
      });
    });
  }

  /* A scan answered online: the list learns the check-in, so a scan offline a moment later says "already here". */
  function learn(raw, answer) {
    var scanned = R.parseCode(raw);
    if (!scanned || !answer || !answer.event || !answer.checked_in_at) return Promise.resolve();
    var list = state.lists[answer.event.id];
    if (!list) return Promise.resolve();
    return R.offlineHash(scanned.code).then(function (hash) {
      var entry = list.tickets[hash];
      if (!entry || entry.checked_in_at) return null;
      entry.checked_in_at = answer.checked_in_at;
      return put("lists", list);
    }).catch(function () { /* the next refresh brings it */ });
  }

  /* ---------------------------------------------------------------- uploading the queue */
  var checkinUrl = null;
  var uploadTimer = null;
  /* The server's decisions about a scan; any other answer (a proxy's error, a rate limit, an expired
     session) leaves the scan in the queue for the next try. */
  var FINAL = [404, 409, 422];

  /* A page opened from the service worker's copy carries the form token of its day: take the current one
     from the page itself (the API checks it against the session). */
  function refreshToken() {
    return fetch(window.location.pathname, { credentials: "same-origin" }).then(function (response) {
      if (response.redirected || !response.ok) { state.sessionExpired = state.sessionExpired || response.redirected; return null; }
      return response.text().then(function (html) {
        var match = /<meta name="csrf-token" content="([^"]*)"/.exec(html);
        var meta = document.querySelector('meta[name="csrf-token"]');
        if (match && meta) meta.content = match[1];
      });
    }).catch(function () { /* still offline: the next try asks again */ });
  }

  function scheduleUpload() {
    if (uploadTimer) return;
    uploadTimer = setTimeout(function () { uploadTimer = null; upload(); }, UPLOAD_RETRY_MS);
  }

  /* Upload the queue in order; stop at the first network failure (the next try starts there again). */
  function upload() {
    if (state.uploading || !api || !checkinUrl) return Promise.resolve();
    state.uploading = true;
    return getAll("queue").then(function (items) {
      items.sort(function (a, b) { return a.seq - b.seq; });
      var stopped = false;
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          if (stopped) return null;
          var body = {
            code: item.code, nonce: item.nonce, device: item.device, source: item.source, offline: true,
            scanned_at: item.scannedAt, offline_result: item.result
          };
          if (item.eventId) body.event_id = item.eventId;
          return api("POST", checkinUrl, body).then(function (response) {
            if (response.status === 401 || response.status === 403) { state.sessionExpired = true; stopped = true; return null; }
            if (response.status === 400) { stopped = true; return refreshToken(); }  // a form token older than the session
            if (!response.ok && FINAL.indexOf(response.status) < 0) { stopped = true; return null; }
            var data = response.data || {};
            if (data.conflict || (data.error && data.error.conflict)) state.conflicts += 1;
            if (response.ok) learn(item.code, data);
            return remove("queue", item.seq).then(function () { state.waiting = Math.max(0, state.waiting - 1); changed(); });
          }, function () { stopped = true; });
        });
      }, Promise.resolve());
    }).then(countQueue).then(function (items) {
      state.uploading = false;
      changed();
      if (items.length) scheduleUpload();
    }, function () { state.uploading = false; scheduleUpload(); });
  }

  /* ---------------------------------------------------------------- the service worker */
  function registerWorker(url, scope) {
    if (!("serviceWorker" in navigator) || !url) return;
    navigator.serviceWorker.register(url, { scope: scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      /* Files this page loaded before the worker controlled it: ask it to keep them too. */
      var urls = [window.location.href].concat(performance.getEntriesByType("resource").map(function (e) { return e.name; })
        .filter(function (name) { return name.indexOf(window.location.origin + "/static/") === 0; }));
      if (registration.active) registration.active.postMessage({ type: "keep", urls: urls });
    }).catch(function () { /* no worker: the page still works online */ });
  }

  /* ---------------------------------------------------------------- start */
  var refreshTimer = null;
  function start(options) {
    api = options.api;
    listUrl = options.listUrl;
    checkinUrl = options.checkinUrl;
    registerWorker(options.workerUrl, options.workerScope);
    var eventIds = options.eventIds;
    var openedOffline = navigator.onLine === false;
    var cycle = function () {
      if (navigator.onLine === false) return Promise.resolve();
      var ready = openedOffline ? refreshToken() : Promise.resolve();
      openedOffline = false;
      return ready.then(upload).then(function () { return refresh(eventIds()); });
    };
    window.addEventListener("online", cycle);
    if (refreshTimer) clearInterval(refreshTimer);
    refreshTimer = setInterval(cycle, REFRESH_MS);
    return loadLists().then(countQueue).then(function () { changed(); return cycle(); }, changed);
  }

  window.anticafeDoorOffline = {
    start: start, decide: decide, learn: learn, upload: upload, state: state, refreshToken: refreshToken,
    refresh: function (ids) { return refresh(ids); },
    onChange: function (fn) { listeners.push(fn); fn(state); }
  };
})();

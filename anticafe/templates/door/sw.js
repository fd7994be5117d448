/* The door scanner's service worker (scope {{ scope }}): once the scanner has been opened on a phone,
   it opens again without network. Pages and files: network first (always fresh when online), the kept
   copy when the network fails or hangs. The JSON API is never answered from here: scans decided
   offline live in the page's IndexedDB queue, not in a cache. */
"use strict";

var CACHE = "anticafe-door-v1";
var PAGE = {{ page|tojson }};
var SCOPE = {{ scope|tojson }};
var ASSETS = {{ assets|tojson }}.concat([{{ manifest|tojson }}]);
/* A network that neither answers nor fails (a crowded access point) is given this long. */
var NETWORK_TIMEOUT_MS = 4000;

function isPage(url) {
  return url.pathname === PAGE;
}

/* Keep a response only when it is the real thing: not an error, not a redirect to the login page. */
function keep(cache, key, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    return cache.put(key, response.clone()).then(function () { return response; });
  }
  return Promise.resolve(response);
}

function fetchKeep(request, key) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) { return keep(cache, key, response); });
  });
}

self.addEventListener("install", function (event) {
  /* Best effort: a file that fails now is kept the next time the page loads it. */
  event.waitUntil(Promise.all([PAGE].concat(ASSETS).map(function (url) {
    return fetchKeep(new Request(url, { credentials: "same-origin" }), url).catch(function () { return null; });
  })).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("anticafe-door-") === 0 && name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

/* The page tells which files it loaded (some before this worker controlled it): keep them all. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  event.waitUntil(Promise.all(data.urls.slice(0, 100).map(function (href) {
    var url = new URL(href, self.location.origin);
    if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return null;
    var key = isPage(url) ? PAGE : url.pathname;
    return caches.match(key).then(function (hit) {
      return hit ? null : fetchKeep(new Request(url.href, { credentials: "same-origin" }), key).catch(function () { return null; });
    });
  })));
});

function networkFirst(request, key) {
  return new Promise(function (resolve, reject) {
    var settled = false;
    var fallback = function (error) {
      caches.match(key).then(function (hit) {
        if (settled) return;
        if (hit) { settled = true; resolve(hit); } else if (error) { settled = true; reject(error); }
      });
    };
    var timer = setTimeout(function () { fallback(null); }, NETWORK_TIMEOUT_MS);
    fetchKeep(request, key).then(function (response) {
      clearTimeout(timer);
      if (!settled) { settled = true; resolve(response); }
    }, function (error) {
      clearTimeout(timer);
      fallback(error);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate") {
    /* The scanner, whatever event is chosen in its query; other door pages need the network. */
    if (isPage(url)) event.respondWith(networkFirst(request, PAGE));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf(SCOPE + "/") === 0) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

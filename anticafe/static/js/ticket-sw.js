/* The ticket's service worker (scope /t/): a ticket page opened once keeps working offline, so the
   QR code is on the phone at the door even without signal. Network first: a fresh page when online
   (a cancelled ticket shows as cancelled), the last copy when not. Only GET answers of this site are kept. */
"use strict";
var CACHE = "anticafe-tickets-v1";

function keep(request, response) {
  if (!response || response.status !== 200 || response.type !== "basic") return response;
  var copy = response.clone();
  caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
  return response;
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(fetch(request).then(function (response) { return keep(request, response); })
    .catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    }));
});

// The page lists what it needs (itself, its QR image, styles, fonts) right after the first load,
// before this worker controlled it.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.cache) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.filter(function (url) { return new URL(url, self.location).origin === self.location.origin; })
      .map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (response.status === 200) return cache.put(url, response);
        }).catch(function () {});
      }));
  }).then(function () {
    if (event.source) event.source.postMessage({ cached: urls.length });
  }));
});

{% autoescape off %}/*
 * Ancha: the inspector's pages on the phone (inspection/web/offline.py explains what and why).
 * Network first for the inspector's pages and the static files: with signal the phone shows the
 * server's page and keeps a copy; without, the copy. Nothing else is touched or kept: the API,
 * the POSTs and every other page go to the network as if there were no worker.
 */
"use strict";

var PREFIX = "ancha-inspector-";
var KEY = "{{ key|escapejs }}";
var CACHE = KEY ? PREFIX + KEY : "";
var SCOPE = "{{ scope|escapejs }}";
var STATIC = "{{ static_prefix|escapejs }}";
var ASSETS = [{% for url in assets %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

var OFFLINE_PAGE = "<!doctype html><html lang=\"zh-hans\"><head><meta charset=\"utf-8\">" +
  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>暂无网络 · 暗查</title></head>" +
  "<body style=\"font-family:sans-serif;padding:1.5rem;line-height:1.6\"><h1>暂无网络</h1>" +
  "<p>这个页面还没有保存在本机。请在有信号时打开一次“今日任务”和要去的暗查任务，之后没有信号也能打开。</p>" +
  "<p><a href=\"" + SCOPE + "\">返回今日任务</a></p></body></html>";

function dropOthers() {
  // Whatever another user (or this user under another worker) left on the phone goes.
  return caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PREFIX) === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  });
}

self.addEventListener("install", function (event) {
  self.skipWaiting();
  if (!CACHE) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).catch(function () { /* kept on the next visit with signal */ }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(dropOthers().then(function () { return self.clients.claim(); }));
});

function keyOf(url) {
  return url.origin + url.pathname;  // ?item=3 is the same page
}

function fromCopy(url, page) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(keyOf(url)).then(function (hit) {
      if (hit || !page) return hit || Response.error();
      return cache.match(url.origin + SCOPE).then(function (home) {
        return home || new Response(OFFLINE_PAGE, { headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    });
  });
}

function networkFirst(request, url, page) {
  return fetch(request).then(function (response) {
    if (page && response.type === "opaqueredirect") {
      // An inspector's page that redirects is the sign-in page: signed out, the copies go.
      return caches.delete(CACHE).then(function () { return response; });
    }
    if (response.status === 200 && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(keyOf(url), copy); });
    } else if (page && response.status === 404) {
      caches.open(CACHE).then(function (cache) { return cache.delete(keyOf(url)); });
    }
    return response;
  }, function () {
    return fromCopy(url, page);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (!CACHE || request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var page = request.mode === "navigate" && url.pathname.indexOf(SCOPE) === 0;
  var asset = url.pathname.indexOf(STATIC) === 0;
  if (!page && !asset) return;
  event.respondWith(networkFirst(request, url, page));
});
{% endautoescape %}

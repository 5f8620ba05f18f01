/*
 * Ancha: on every page, the phone's copies of the inspector's pages (inspection/web/offline.py).
 * A page of someone other than the user they were kept for, or of nobody (the sign-in page after
 * 退出), removes them and the worker; an inspector's page registers the worker and keeps a copy of
 * itself, its files and the assignments it links to, so they open later without signal.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.caches || !window.Promise) return;
  var PREFIX = "ancha-inspector-";
  var me = script.dataset.user || "";
  var mine = me ? PREFIX + me : "";
  var workers = navigator.serviceWorker;

  var cleared = caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PREFIX) === 0 && k !== mine; })
      .map(function (k) { return caches.delete(k); }));
  });
  if (!me && workers) {
    workers.getRegistrations().then(function (all) { all.forEach(function (r) { r.unregister(); }); });
  }

  var field = document.getElementById("field");
  if (!me || !field || !workers || location.pathname.indexOf("/inspector/") !== 0) return;

  function keep(cache, url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (response.ok && !response.redirected) return cache.put(url, response);
    }, function () { /* no signal: what is kept stays */ });
  }

  function wanted() {
    // A page this worker already served is kept by it; the first, before the worker, is kept here.
    var urls = workers.controller ? [] : [location.pathname];
    document.querySelectorAll("a[href^='/inspector/']").forEach(function (a) {
      var path = new URL(a.href).pathname;
      if (urls.indexOf(path) < 0 && /^\/inspector\/(inspections\/\d+\/)?$/.test(path)) urls.push(path);
    });
    document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (el) {
      var url = new URL(el.href || el.src);
      if (url.origin === location.origin) urls.push(url.pathname);
    });
    return urls;
  }

  cleared.then(function () {
    return workers.register("/sw.js", { scope: "/inspector/" });
  }).then(function () {
    return workers.ready;
  }).then(function () {
    if (!navigator.onLine) return;
    return caches.open(mine).then(function (cache) {
      return Promise.all(wanted().map(function (url) { return keep(cache, url); }));
    });
  }).then(function () {
    document.documentElement.dataset.offline = "ready";
  }, function () {
    document.documentElement.dataset.offline = "unavailable";
  });
})();

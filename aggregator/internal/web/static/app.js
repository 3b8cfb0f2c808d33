// The live page's only script: follows /events (server-sent events), adds
// each tap to the list as it arrives, and refreshes the figures of the page
// (sections marked data-refresh) a few seconds after something changed.
// Text is set with textContent only: nothing from the stream becomes markup.
(function () {
  "use strict";
  var scope = document.body.getAttribute("data-live");
  if (!scope || !window.EventSource) {
    return;
  }
  var list = document.getElementById("taps");
  var empty = document.getElementById("no-taps");
  var badge = document.getElementById("live");
  var maxTaps = 50;
  var refreshDelay = 4000;
  var refreshTimer = null;

  function setLive(on) {
    if (!badge) {
      return;
    }
    badge.className = on ? "live on" : "live off";
    badge.textContent = badge.getAttribute(on ? "data-label-live" : "data-label-wait");
  }

  function span(cls, text) {
    var s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    return s;
  }

  function addTap(t) {
    if (!list || list.querySelector('[data-seq="' + t.seq + '"]')) {
      return;
    }
    var li = document.createElement("li");
    li.className = "tap new" + (t.unknown ? " unknown" : "");
    li.setAttribute("data-seq", String(t.seq));
    var time = document.createElement("time");
    time.textContent = t.date + " " + t.time;
    li.appendChild(time);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(span("dir", t.dir));
    li.appendChild(document.createTextNode(" "));
    var who = span("who", "");
    if (t.href) {
      var a = document.createElement("a");
      a.href = t.href;
      a.textContent = t.who;
      who.appendChild(a);
    } else {
      who.textContent = t.who;
    }
    li.appendChild(who);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(span("where", t.school + " / " + t.gateway + " / " + t.reader));
    list.insertBefore(li, list.firstChild);
    while (list.children.length > maxTaps) {
      list.removeChild(list.lastChild);
    }
    if (empty) {
      empty.hidden = true;
    }
  }

  // refresh fetches the page again and swaps in its data-refresh sections:
  // the figures move with the taps without reloading the page (and without
  // losing the list of taps).
  function refresh() {
    refreshTimer = null;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error(r.status);
        }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-refresh][id]").forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh) {
            el.replaceWith(document.importNode(fresh, true));
          }
        });
      })
      .catch(function () { /* the next change tries again */ });
  }

  function changed() {
    if (refreshTimer === null) {
      refreshTimer = window.setTimeout(refresh, refreshDelay);
    }
  }

  var es = new EventSource("/events?" + scope);
  es.onopen = function () { setLive(true); };
  es.onerror = function () { setLive(false); };
  es.addEventListener("tap", function (e) {
    addTap(JSON.parse(e.data));
    changed();
  });
  es.addEventListener("alert", changed);
  es.addEventListener("gateway", changed);
})();

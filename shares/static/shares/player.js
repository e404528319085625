// The public player: loads a Lottie animation and its manifest from signed same-origin URLs,
// (it runs in a sandboxed frame of the landing page: an opaque origin, so the file URLs answer
// with CORS),
// applies the personalization bindings to the named layers, and plays it with lottie-web.
// Its configuration comes from the URL fragment ({templateUrl, manifestUrl, data}, JSON,
// URL-encoded) or from a postMessage {type: "INIT", ...} sent by an allowed origin. Personal
// data stays in memory: only the two file URLs are ever requested.
(function () {
  "use strict";
  var container = document.getElementById("animation");
  var errorNode = document.getElementById("player-error");
  var allowed = JSON.parse(document.getElementById("allowed-origins").textContent || "[]");
  allowed.push(window.location.origin);
  var current = null;
  var generation = 0;

  function fail(reason) {
    if (reason && window.console) console.error("player:", String(reason));
    if (current) { current.destroy(); current = null; }
    errorNode.hidden = false;
  }

  function sameOriginUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      var url = new URL(value, window.location.href);
      return allowed.indexOf(url.origin) >= 0 ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function getJson(url) {
    return fetch(url, { credentials: "omit", referrerPolicy: "no-referrer" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function hexToRgb(value) {
    var match = /^#?([0-9a-f]{6})$/i.exec(String(value || ""));
    if (!match) return null;
    var n = parseInt(match[1], 16);
    return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
  }

  function eachLayer(animation, visit) {
    var lists = [animation.layers || []];
    (animation.assets || []).forEach(function (asset) { if (asset.layers) lists.push(asset.layers); });
    lists.forEach(function (layers) { layers.forEach(visit); });
  }

  // Exporters omit a text layer's empty animators, path and "more options"; lottie-web needs them.
  function completeTextLayer(layer) {
    if (layer.ty !== 5 || !layer.t) return;
    layer.t.a = layer.t.a || [];
    layer.t.p = layer.t.p || {};
    layer.t.m = layer.t.m || { g: 1, a: { a: 0, k: [0, 0] } };
  }

  function paintShapes(items, rgb) {
    (items || []).forEach(function (item) {
      if (item.ty === "fl" && item.c) item.c = { a: 0, k: rgb.concat([1]) };
      if (item.it) paintShapes(item.it, rgb);
    });
  }

  function applyBinding(animation, binding, value) {
    eachLayer(animation, function (layer) {
      if (layer.nm !== binding.layer) return;
      if (binding.type === "text" && layer.t && layer.t.d && layer.t.d.k && layer.t.d.k[0]) {
        layer.t.d.k.forEach(function (keyframe) { keyframe.s.t = String(value); });
      } else if (binding.type === "color") {
        var rgb = hexToRgb(value);
        if (!rgb) return;
        if (layer.ty === 1) layer.sc = "#" + String(value).replace(/^#/, "");
        paintShapes(layer.shapes, rgb);
      } else if (binding.type === "image" && layer.refId) {
        var url = sameOriginUrl(value);
        if (!url) return;  // images only from our origin (the page's CSP says so too)
        (animation.assets || []).forEach(function (asset) {
          if (asset.id === layer.refId) { asset.u = ""; asset.p = url; asset.e = 0; }
        });
      }
    });
  }

  // The page's language and words come with the configuration (the fragment stays here).
  function localize(config) {
    if (typeof config.lang === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(config.lang)) {
      document.documentElement.lang = config.lang;
    }
    var labels = config.labels && typeof config.labels === "object" ? config.labels : {};
    if (typeof labels.video === "string") {
      document.getElementById("player-heading").textContent = labels.video;
      container.setAttribute("aria-label", labels.video);
    }
    if (typeof labels.cantPlay === "string") errorNode.textContent = labels.cantPlay;
  }

  function play(config) {
    if (config) localize(config);
    var templateUrl = sameOriginUrl(config && config.templateUrl);
    if (!templateUrl) return fail();
    var manifestUrl = sameOriginUrl(config.manifestUrl);
    var data = config.data && typeof config.data === "object" ? config.data : {};
    var mine = ++generation;
    Promise.all([getJson(templateUrl), manifestUrl ? getJson(manifestUrl) : { bindings: [] }])
      .then(function (loaded) {
        if (mine !== generation) return;
        var animation = loaded[0];
        eachLayer(animation, completeTextLayer);
        (loaded[1].bindings || []).forEach(function (binding) {
          var value = Object.prototype.hasOwnProperty.call(data, binding.key)
            ? data[binding.key] : binding["default"];
          if (value !== undefined && value !== null) applyBinding(animation, binding, value);
        });
        if (current) current.destroy();
        errorNode.hidden = true;
        // Plays once (no endless loop), muted (an animation has no sound track), and not
        // at all for people who asked for reduced motion: they see the first frame and
        // start it with the page's Play button (WCAG 2.2.2).
        var still = reducedMotion();
        current = window.lottie.loadAnimation({
          container: container, renderer: "svg", loop: false, autoplay: !still,
          animationData: animation,
        });
        current.addEventListener("complete", function () { report(false); });
        if (still) current.goToAndStop(0, true);
        report(!still);
      })
      .catch(fail);
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // The page's controls learn whether the animation plays (no data in the message).
  function report(playing) {
    container.dataset.state = playing ? "playing" : "paused";
    if (window.parent !== window) window.parent.postMessage({ type: "STATE", playing: playing }, "*");
  }

  function control(type) {
    if (!current) return;
    if (type === "PAUSE") { current.pause(); report(false); }
    if (type === "PLAY") {
      if (current.currentFrame >= current.totalFrames - 1) current.goToAndPlay(0, true);
      else current.play();
      report(true);
    }
    if (type === "REPLAY") { current.goToAndPlay(0, true); report(true); }
  }

  function fromFragment() {
    var raw = window.location.hash.slice(1);
    if (!raw) return;
    try {
      play(JSON.parse(decodeURIComponent(raw)));
    } catch (e) {
      fail();
    }
  }

  window.addEventListener("message", function (event) {
    if (allowed.indexOf(event.origin) < 0) return;
    var message = event.data;
    if (message && message.type === "INIT") play(message);
    else if (message && /^(PAUSE|PLAY|REPLAY)$/.test(message.type)) control(message.type);
  });
  window.addEventListener("hashchange", fromFragment);
  fromFragment();
})();

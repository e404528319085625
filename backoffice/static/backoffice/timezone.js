// Tells the admin which time zone this browser is in, so that the server renders times in it
// (backoffice/time_zones.py): the IANA name, in a cookie sent to the admin's pages only (the
// script tag names their path). Nothing else.
(function () {
  "use strict";
  var script = document.currentScript;
  var path = (script && script.dataset.path) || "/admin/";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var cookie = "percus_tz=" + zone;  // the pattern above holds only cookie-safe characters
  if (document.cookie.split("; ").indexOf(cookie) >= 0) return;
  document.cookie = cookie + "; path=" + path + "; max-age=31536000; samesite=lax" +
    (window.location.protocol === "https:" ? "; secure" : "");
})();

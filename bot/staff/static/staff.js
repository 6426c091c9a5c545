// Progressive enhancement for the staff dashboard; every page works without it.
// 1. Show <time data-local> values in the browser's time zone (the server renders UTC).
// 2. Send the browser's UTC offset with the request filters, so dates mean local days.
// 3. Ask for confirmation before forms marked data-confirm are submitted.
(function () {
  "use strict";

  var formats = {
    minutes: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }),
    seconds: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" })
  };
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    var format = formats[el.getAttribute("data-local")] || formats.minutes;
    if (!isNaN(when.getTime())) {
      el.title = el.textContent;
      el.textContent = format.format(when);
    }
  });

  var offset = String(-new Date().getTimezoneOffset());
  document.querySelectorAll("input[data-tz-offset]").forEach(function (el) {
    el.value = offset;
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();

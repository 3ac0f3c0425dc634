/* The report's only script: draws the charts with the local plotly.js, sorts and filters tables,
   and keeps the reader's place when switching language. Pages stay readable without it. */
(function () {
  "use strict";

  // The saved image carries its caption (what, period, source, link) under the chart, at a fixed
  // size, so that it still says what it shows once it is pasted elsewhere. The chart is drawn by
  // plotly.js off screen, then the caption is written below it on a canvas: no request is made.
  function wrapLines(context, lines, width, lang) {
    var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(lang, { granularity: "word" }) : null;
    var out = [];
    lines.forEach(function (line) {
      var pieces = segmenter ? Array.from(segmenter.segment(line), function (s) { return s.segment; }) : line.split(/(?=[\s/&?])/);
      var current = "";
      pieces.forEach(function (piece) {
        if (context.measureText(current + piece).width > width && current) {
          out.push(current);
          current = piece.replace(/^\s+/, "");
        } else {
          current += piece;
        }
      });
      out.push(current);
    });
    return out;
  }

  function captionedImage(spec) {
    var width = spec.image.width, height = spec.image.height;
    var layout = Object.assign({}, spec.layout, { width: width, height: height });
    return window.Plotly.toImage({ data: spec.data, layout: layout }, { format: "png", width: width, height: height })
      .then(function (url) {
        return new Promise(function (resolve, reject) {
          var chart = new Image();
          chart.onload = function () {
            var canvas = document.createElement("canvas");
            var context = canvas.getContext("2d");
            var font = "15px " + window.getComputedStyle(document.body).fontFamily;
            context.font = font;
            var lines = wrapLines(context, spec.caption || [], width - 40, document.documentElement.lang);
            var lineHeight = 24;
            canvas.width = width;
            canvas.height = height + 20 + lines.length * lineHeight;
            context.fillStyle = "#ffffff";
            context.fillRect(0, 0, canvas.width, canvas.height);
            context.drawImage(chart, 0, 0);
            context.font = font;
            context.fillStyle = "#333333";
            context.textBaseline = "top";
            lines.forEach(function (line, index) { context.fillText(line, 20, height + 10 + index * lineHeight); });
            resolve(canvas.toDataURL("image/png"));
          };
          chart.onerror = reject;
          chart.src = url;
        });
      });
  }

  function downloadButton(area, spec) {
    return {
      name: "download-captioned-image",
      title: area.getAttribute("data-download-label"),
      icon: window.Plotly.Icons.camera,
      click: function () {
        captionedImage(spec).then(function (url) {
          var link = document.createElement("a");
          link.href = url;
          link.download = spec.image.filename + ".png";
          document.body.appendChild(link);
          link.click();
          link.remove();
        });
      }
    };
  }

  // A heatmap names the height of its plot area (spec.fit_rows: rows times a row height). Its chart
  // height is set for a phone, where the column labels stand upright and take the most room; plotly
  // would otherwise squeeze the rows until it drops every other label, or fail outright when the
  // margins outgrow the chart. On a wider screen the labels take less and the chart gives it back.
  // plotly.js recomputes margins for each height, hence a few rounds, each taking what is left.
  function fitRows(area, spec, rounds) {
    var size = area._fullLayout && area._fullLayout._size;
    if (!spec.fit_rows || !size) { return Promise.resolve(); }
    var missing = Math.round(spec.fit_rows - size.h);
    if (Math.abs(missing) < 2 || rounds === 0) { return Promise.resolve(); }
    return window.Plotly.relayout(area, { height: area._fullLayout.height + missing }).then(function () {
      return fitRows(area, spec, (rounds === undefined ? 4 : rounds) - 1);
    });
  }

  function refitOnResize(fitted) {
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        fitted.forEach(function (item) {
          window.Plotly.relayout(item.area, { height: item.spec.layout.height }).then(function () {
            return fitRows(item.area, item.spec);
          });
        });
      }, 200);
    });
  }

  // Below this width a chart draws without its title (see drawCharts).
  var PHONE_WIDTH = 600;

  function drawCharts() {
    if (typeof window.Plotly === "undefined") { return; }
    var fitted = [];
    document.querySelectorAll("[data-figure]").forEach(function (area) {
      var source = document.getElementById(area.getAttribute("data-figure"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var config = Object.assign({}, spec.config, { modeBarButtonsToAdd: [downloadButton(area, spec)] });
      if (spec.fit_rows) { fitted.push({ area: area, spec: spec }); }
      var layout = spec.layout;
      if (area.clientWidth < PHONE_WIDTH) {
        // Plotly does not wrap a title, so on a phone it is cut mid-word (Khmer titles always are);
        // the heading above the chart and its caption below carry it. Saved images keep it.
        layout = Object.assign({}, spec.layout, {
          title: { text: "" },
          margin: Object.assign({}, spec.layout.margin, { t: 16 })
        });
      }
      window.Plotly.newPlot(area, spec.data, layout, config).then(function () {
        return fitRows(area, spec);
      }).then(function () {
        area.setAttribute("data-rendered", "true");
      });
    });
    if (fitted.length) { refitOnResize(fitted); }
  }

  function sortValue(cell) {
    if (!cell) { return ""; }
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    var number = Number(raw);
    return raw !== "" && !isNaN(number) ? number : raw.toLowerCase();
  }

  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortValue(a.cells[column]), y = sortValue(b.cells[column]);
          if (x === y) { return 0; }
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          return (x < y ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function localDigits(text, digits) {
    if (!digits || digits === "0123456789") { return text; }
    return String(text).replace(/[0-9]/g, function (d) { return digits.charAt(Number(d)); });
  }

  function setUpFilters() {
    var form = document.getElementById("blocked-filters");
    var table = document.getElementById("blocked-table");
    if (!form || !table) { return; }
    form.hidden = false;
    var text = document.getElementById("filter-text");
    var tier = document.getElementById("filter-tier");
    var isp = document.getElementById("filter-isp");
    var category = document.getElementById("filter-category");
    var still = document.getElementById("filter-still");
    var count = document.getElementById("filter-count");
    var rows = Array.prototype.filter.call(table.tBodies[0].rows, function (row) { return row.hasAttribute("data-tier"); });

    function apply() {
      var needle = text.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var visible = (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1) &&
          (!tier.value || row.getAttribute("data-tier") === tier.value) &&
          (!isp.value || row.getAttribute("data-asns").indexOf(" " + isp.value + " ") !== -1) &&
          (!category.value || row.getAttribute("data-category") === category.value) &&
          (!still.checked || row.getAttribute("data-still") === "1");
        row.hidden = !visible;
        if (visible) { shown += 1; }
      });
      var template = count.getAttribute("data-template");
      var digits = count.getAttribute("data-digits");
      count.textContent = template.replace("{shown}", localDigits(shown, digits)).replace("{total}", localDigits(rows.length, digits));
    }
    [text, tier, isp, category, still].forEach(function (input) {
      input.addEventListener("input", apply);
      input.addEventListener("change", apply);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }

  function keepPlaceOnLanguageSwitch() {
    document.querySelectorAll("a[data-lang-switch]").forEach(function (link) {
      link.addEventListener("click", function () {
        if (window.location.hash) {
          link.setAttribute("href", link.getAttribute("href").split("#")[0] + window.location.hash);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
    setUpFilters();
    keepPlaceOnLanguageSwitch();
    drawCharts();
  });
}());

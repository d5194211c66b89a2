/* ShopMirror checklist: photos. Kept on the device until sent, downscaled on the phone to
   save the shopper's data (the server checks them anyway), uploaded with progress, deleted
   through the outbox too. A photo the server refuses (too big, not an image, the item takes
   none, the visit is closed) leaves no broken thumbnail: its place shows why, in a line as
   wide as the item, with Discard. Started by checklist.js. */
(function () {
  "use strict";
  var MAX_SIDE = 2048;

  /* ctx: {visit, itemOf(element), legendText(item), setState(id, state), refresh()} */
  function init(root, ctx) {
    var P = window.SMPage, T = P.T, fmt = P.fmt, $ = P.$, $$ = P.$$;
    var tpl = document.getElementById("tpl-thumb");

    /* DateTimeOriginal (+ offset) of a JPEG, read before downscaling drops EXIF. */
    function exifTime(file) {
      if (!/jpe?g$/i.test(file.type) || !file.slice) return Promise.resolve(null);
      return file.slice(0, 131072).arrayBuffer().then(function (buf) {
        var v = new DataView(buf), off = 2;
        if (v.getUint16(0) !== 0xFFD8) return null;
        while (off + 4 < v.byteLength) {
          var marker = v.getUint16(off), len = v.getUint16(off + 2);
          if (marker === 0xFFE1 && v.getUint32(off + 4) === 0x45786966) return tiffTime(v, off + 10);
          if ((marker & 0xFF00) !== 0xFF00) return null;
          off += 2 + len;
        }
        return null;
      }).catch(function () { return null; });
    }
    function tiffTime(v, t) {
      var le = v.getUint16(t) === 0x4949;
      var u16 = function (o) { return v.getUint16(t + o, le); }, u32 = function (o) { return v.getUint32(t + o, le); };
      var ascii = function (entry) {
        var n = u32(entry + 4), at = n > 4 ? u32(entry + 8) : entry + 8, s = "";
        for (var i = 0; i < n - 1 && t + at + i < v.byteLength; i++) s += String.fromCharCode(v.getUint8(t + at + i));
        return s;
      };
      var find = function (ifd, tag) {
        var count = u16(ifd);
        for (var i = 0; i < count; i++) { var e = ifd + 2 + i * 12; if (u16(e) === tag) return e; }
        return null;
      };
      var ifd0 = u32(4), exifPtr = find(ifd0, 0x8769);
      if (exifPtr === null) return null;
      var sub = u32(exifPtr + 8), dt = find(sub, 0x9003);
      if (dt === null) return null;
      var m = /^(\d{4}):(\d\d):(\d\d) (\d\d:\d\d:\d\d)/.exec(ascii(dt));
      if (!m) return null;
      var off = find(sub, 0x9011), zone = off === null ? "" : ascii(off);
      return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + (/^[+-]\d\d:\d\d$/.test(zone) ? zone : "");
    }
    /* A large photo is downscaled here to save the shopper's data; the server checks it anyway. */
    function shrink(file) {
      var can = window.createImageBitmap && /^image\/(jpeg|png|webp)$/.test(file.type);
      if (!can || file.size < 1500000) return Promise.resolve(file);
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bmp.width * scale); canvas.height = Math.round(bmp.height * scale);
        canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
        if (bmp.close) bmp.close();
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, "image/jpeg", 0.85);
        });
      }).catch(function () { return file; });
    }

    /* A file the browser cannot show as an image gets a plain tile with its name, not a
       broken image. */
    function plainTile(img, name) {
      var tile = document.createElement("span");
      tile.className = "q-thumb-file";
      tile.textContent = name || "?";
      img.replaceWith(tile);
    }
    function thumbFor(it, url, blob, name) {
      var list = $(".q-thumbs", it.el);
      var li = tpl.content.firstElementChild.cloneNode(true);
      var img = $("img", li);
      img.alt = fmt(T.photo_of, { num: list.children.length + 1, item: ctx.legendText(it) });
      if (blob && !/^image\//.test(blob.type || "")) plainTile(img, name);
      else {
        img.addEventListener("error", function () { plainTile(img, name); });
        img.src = url;
      }
      list.appendChild(li);
      return li;
    }
    function pendingThumb(it, entry) {
      if (entry.state === "refused") { showRefusal(it, entry); return null; }
      var li = thumbFor(it, URL.createObjectURL(entry.blob), entry.blob, entry.name);
      li.dataset.seq = entry.seq;
      li.classList.add("uploading");
      $(".q-thumb-state", li).textContent = T.waiting;
      return li;
    }
    /* Why the server refused a photo, readable, with Discard to forget it on this phone. */
    function showRefusal(it, entry) {
      var box = $(".q-photos", it.el);
      var list = $(".photo-refusals", box);
      if (!list) {
        list = document.createElement("ul");
        list.className = "photo-refusals";
        box.insertBefore(list, $(".photo-buttons", box));
      }
      var li = document.createElement("li"), text = document.createElement("span");
      li.setAttribute("role", "alert");
      li.dataset.refusedSeq = entry.seq;
      text.textContent = fmt(T.photo_refused, { name: entry.name || "", reason: entry.reason || T.refused });
      var b = document.createElement("button");
      b.type = "button"; b.className = "link"; b.textContent = T.discard;
      b.addEventListener("click", function () {
        P.store.remove(entry.seq).then(P.status);
        li.remove();
        if (!list.children.length) list.remove();
      });
      li.appendChild(text); li.appendChild(b); list.appendChild(li);
    }
    function photoSent(entry, body) {
      var li = $(".q-thumb[data-seq='" + entry.seq + "']", root);
      if (!li) return;
      li.removeAttribute("data-seq");
      li.classList.remove("uploading");
      li.dataset.photoId = body.id;
      $("a", li).href = body.url;
      var tile = $(".q-thumb-file", li);   // the server's copy is a JPEG the browser can show
      if (tile) {
        var img = document.createElement("img");
        img.width = img.height = 80; img.alt = ""; img.src = body.thumb;
        tile.replaceWith(img);
      }
      $("progress", li).hidden = true;
      $(".q-thumb-state", li).textContent = "";
      ctx.setState(entry.item, "saved");
      ctx.refresh();
    }
    function photoRefused(entry) {
      var li = $(".q-thumb[data-seq='" + entry.seq + "']", root);
      var el = li || $(".q-item[data-item='" + entry.item + "']", root);
      var it = el ? ctx.itemOf(el) : null;
      if (li) li.remove();
      if (it && !$("[data-refused-seq='" + entry.seq + "']", it.el)) showRefusal(it, entry);
      ctx.refresh();
    }
    function addFiles(it, files) {
      Array.prototype.forEach.call(files, function (file) {
        Promise.all([exifTime(file), shrink(file)]).then(function (r) {
          var entry = {
            kind: "photo", visit: ctx.visit, item: it.id, blob: r[1], name: file.name || "photo.jpg",
            captured_at: r[0], client_time: P.stamp()
          };
          return P.enqueue(entry).then(function () {
            // refused already (a quick server): its message is up, no thumbnail to add
            if (!$("[data-refused-seq='" + entry.seq + "']", it.el)) pendingThumb(it, entry);
            ctx.refresh();
          });
        });
      });
    }
    root.addEventListener("change", function (e) {
      if (!e.target.matches("[data-photo-input]")) return;
      addFiles(ctx.itemOf(e.target), e.target.files);
      e.target.value = "";
    });
    root.addEventListener("click", function (e) {
      var del = e.target.closest(".q-thumb-del");
      if (!del) return;
      e.preventDefault();
      var li = del.closest(".q-thumb");
      if (!window.confirm(T.delete_confirm)) return;
      if (li.dataset.seq) {                       // not sent yet: just forget it
        P.store.remove(Number(li.dataset.seq)).then(P.status);
      } else if (li.dataset.photoId) {
        P.enqueue({ kind: "delete", visit: ctx.visit, photo: Number(li.dataset.photoId) });
      }
      li.remove();
      ctx.refresh();
    });

    /* Photos of the item on screen, sent or waiting (not those refused). */
    function count(it) { return $$(".q-thumb:not(.failed)", it.el).length; }
    function failed(entry) {
      var li = $(".q-thumb[data-seq='" + entry.seq + "']", root);
      if (li) { $("progress", li).hidden = true; $(".q-thumb-state", li).textContent = T.waiting; }
    }
    function progress(entry, fraction) {
      var li = $(".q-thumb[data-seq='" + entry.seq + "']", root);
      if (li) { var bar = $("progress", li); bar.hidden = false; bar.value = Math.round(100 * fraction); }
    }

    return {
      count: count, pendingThumb: pendingThumb, sent: photoSent, refused: photoRefused,
      failed: failed, progress: progress
    };
  }

  window.SMPhotos = { init: init };
})();

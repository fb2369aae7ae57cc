"use strict";
// The upload page: choose, drop or paste files, read them through /v1/ocr, show text and boxes.
(function () {
  const form = document.getElementById("ocr-form");
  const fileInput = document.getElementById("file");
  const dropZone = document.getElementById("drop-zone");
  const chosenList = document.getElementById("chosen");
  const langSelect = document.getElementById("lang");
  const psmSelect = document.getElementById("psm");
  const autoRotate = document.getElementById("auto-rotate");
  const tokenInput = document.getElementById("token");
  const remember = document.getElementById("remember");
  const submitButton = document.getElementById("submit");
  const progress = document.getElementById("progress");
  const statusLine = document.getElementById("status");
  const results = document.getElementById("results");
  const template = document.getElementById("result-template");
  const apiUrl = form.dataset.api;
  const TOKEN_KEY = "ocr-token";
  const PARALLEL = 2;
  let files = [];
  let resultCount = 0;

  // --- the token: asked once, kept in this tab (sessionStorage) unless "remember" is ticked.
  if (tokenInput) {
    const remembered = localStorage.getItem(TOKEN_KEY);
    tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || remembered || "";
    remember.checked = Boolean(remembered);
    remember.addEventListener("change", saveToken);
  }

  function saveToken() {
    if (!tokenInput) return;
    const token = tokenInput.value.trim();
    if (remember.checked) {
      localStorage.setItem(TOKEN_KEY, token);
      sessionStorage.removeItem(TOKEN_KEY);
    } else {
      sessionStorage.setItem(TOKEN_KEY, token);
      localStorage.removeItem(TOKEN_KEY);
    }
  }

  function authHeaders() {
    return tokenInput ? { Authorization: "Bearer " + tokenInput.value.trim() } : {};
  }

  // --- languages from the service itself.
  fetch(form.dataset.languages)
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => {
      if (!data) return;
      langSelect.replaceChildren(
        ...data.languages.map((code) => new Option(code, code, false, code === data.default))
      );
    })
    .catch(() => {});

  // --- choosing files: the picker, drag and drop, or paste.
  function setFiles(list) {
    files = Array.from(list).filter((file) => file.size > 0 || file.name);
    chosenList.replaceChildren(
      ...files.map((file) => {
        const item = document.createElement("li");
        item.textContent = file.name || "pasted image";
        return item;
      })
    );
    fileInput.required = files.length === 0;
    if (files.length) say(files.length === 1 ? "1 file ready." : files.length + " files ready.");
  }

  fileInput.addEventListener("change", () => setFiles(fileInput.files));
  ["dragenter", "dragover"].forEach((type) =>
    dropZone.addEventListener(type, (event) => {
      event.preventDefault();
      dropZone.classList.add("dragging");
    })
  );
  ["dragleave", "drop"].forEach((type) =>
    dropZone.addEventListener(type, () => dropZone.classList.remove("dragging"))
  );
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) setFiles(event.dataTransfer.files);
  });
  document.addEventListener("paste", (event) => {
    const pasted = Array.from((event.clipboardData && event.clipboardData.files) || []);
    if (!pasted.length) return;
    event.preventDefault();
    setFiles(
      pasted.map((file, index) =>
        file.name ? file : new File([file], "pasted-" + (index + 1) + ".png", { type: file.type })
      )
    );
  });

  // --- reading.
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!files.length) return say("Choose, drop or paste a file first.", "error");
    if (tokenInput && !tokenInput.value.trim()) {
      tokenInput.focus();
      return say("Enter your access token first.", "error");
    }
    saveToken();
    busy(true);
    results.replaceChildren();
    let done = 0;
    let failed = 0;
    const queue = files.slice();
    say(progressText(0, files.length));
    async function worker() {
      while (queue.length) {
        const file = queue.shift();
        const ok = await readFile(file);
        done += 1;
        failed += ok ? 0 : 1;
        progress.value = done;
        if (done < files.length) say(progressText(done, files.length));
      }
    }
    progress.max = files.length;
    progress.removeAttribute("value");
    await Promise.all(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
    busy(false);
    if (failed === 0) say(done === 1 ? "Done." : "Done: " + done + " files read.", "ok");
    else if (failed === done && done === 1) say(lastError, "error");
    else say(failed + " of " + done + " files could not be read; see below.", "error");
  });

  let lastError = "";

  function progressText(done, total) {
    return total === 1 ? "Reading…" : "Reading… " + done + " of " + total + " done.";
  }

  function busy(on) {
    submitButton.disabled = on;
    progress.hidden = !on;
    form.setAttribute("aria-busy", String(on));
  }

  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "status" + (kind ? " " + kind : "");
  }

  function queryFor(format) {
    const params = new URLSearchParams({ lang: langSelect.value });
    if (psmSelect.value) params.set("psm", psmSelect.value);
    if (!autoRotate.checked) {
      params.set("auto_rotate", "false");
      params.set("deskew", "false");
    }
    if (format) params.set("format", format);
    return apiUrl + "?" + params.toString();
  }

  async function post(file, format) {
    const body = new FormData();
    body.append("file", file, file.name || "upload");
    const response = await fetch(queryFor(format), {
      method: "POST",
      headers: authHeaders(),
      body,
    });
    if (!response.ok) throw new Error(await explain(response));
    return response;
  }

  async function readFile(file) {
    const card = newCard(file);
    try {
      const data = await (await post(file)).json();
      fillCard(card, file, data);
      return true;
    } catch (error) {
      lastError = messageOf(error);
      card.meta.textContent = lastError;
      card.meta.classList.add("error");
      card.body.hidden = true;
      return false;
    }
  }

  function messageOf(error) {
    return error instanceof TypeError
      ? "Could not reach the service. Check your connection and try again."
      : String(error.message || error);
  }

  async function explain(response) {
    let detail = "";
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail : "";
    } catch (_) {
      detail = "";
    }
    const wait = response.headers.get("Retry-After") || "a few";
    switch (response.status) {
      case 401:
        return "The access token was not accepted. Check it and try again.";
      case 413:
        return "This file is too large for the service. " + detail;
      case 400:
      case 415:
        return "This file is not an image or PDF the service can read. " + detail;
      case 422:
        return "The service could not use these options: " + detail;
      case 429:
        return "Too many requests right now. Try again in " + wait + " seconds.";
      case 503:
        return "The service is busy. Try again in " + wait + " seconds.";
      default:
        return "Something went wrong (" + response.status + "). " + detail;
    }
  }

  // --- results.
  function newCard(file) {
    const node = template.content.firstElementChild.cloneNode(true);
    resultCount += 1;
    const card = {
      node,
      meta: node.querySelector(".result-meta"),
      body: node.querySelector(".result-body"),
    };
    node.querySelector(".result-name").textContent = file.name || "pasted image";
    card.meta.textContent = "Reading…";
    const textId = "text-" + resultCount;
    node.querySelector(".text").id = textId;
    node.querySelector(".text-label").htmlFor = textId;
    const toggleId = "boxes-" + resultCount;
    node.querySelector(".toggle-boxes").id = toggleId;
    node.querySelector(".toggle-boxes-label").htmlFor = toggleId;
    results.append(node);
    return card;
  }

  function fillCard(card, file, data) {
    const node = card.node;
    const lines = data.pages.reduce((sum, page) => sum + page.lines.length, 0);
    const pages = data.pages.length;
    card.meta.textContent =
      (pages > 1 ? pages + " pages · " : "") + lines + " lines · " + Math.round(data.timings_ms.total) + " ms";
    const text = data.pages.map((page) => page.text.trim()).join("\n\n");
    const textArea = node.querySelector(".text");
    textArea.value = text;
    const baseName = (file.name || "pasted").replace(/\.[^.]+$/, "");

    node.querySelector(".copy").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      try {
        await navigator.clipboard.writeText(textArea.value);
      } catch (_) {
        textArea.select();
        document.execCommand("copy");
      }
      button.textContent = "Copied";
      setTimeout(() => (button.textContent = "Copy text"), 1500);
    });

    node.querySelectorAll(".download").forEach((button) =>
      button.addEventListener("click", async () => {
        const format = button.dataset.format;
        try {
          const blob =
            format === "text"
              ? new Blob([textArea.value], { type: "text/plain" })
              : await (await post(file, format)).blob();
          const extension = { text: ".txt", hocr: ".hocr.html", pdf: ".pdf" }[format];
          saveBlob(blob, baseName + extension);
        } catch (error) {
          say(messageOf(error), "error");
        }
      })
    );

    const first = data.pages[0];
    const showable = /^image\/(png|jpeg|gif|webp|bmp)$/.test(file.type) && first;
    if (!showable) {
      card.body.classList.add("no-preview");
      return;
    }
    const figure = node.querySelector(".preview");
    const image = node.querySelector(".preview-image");
    const boxes = node.querySelector(".boxes");
    image.alt = "Preview of " + (file.name || "the pasted image");
    image.src = URL.createObjectURL(file);
    figure.hidden = false;
    drawBoxes(boxes, first);
    node.querySelector(".toggle-boxes").addEventListener("change", (event) => {
      boxes.classList.toggle("hidden", !event.currentTarget.checked);
    });
  }

  function drawBoxes(layer, page) {
    // Percentages of the page as sent: the boxes follow the image at any displayed size.
    const words = page.lines.flatMap((line) => line.words);
    layer.replaceChildren(
      ...words.map((word) => {
        const [x0, y0, x1, y1] = word.bbox;
        const box = document.createElement("div");
        box.className = "box " + confidenceClass(word.confidence);
        box.title = word.text + " — " + Math.round(word.confidence) + "% sure";
        box.style.left = (100 * x0) / page.width + "%";
        box.style.top = (100 * y0) / page.height + "%";
        box.style.width = (100 * (x1 - x0)) / page.width + "%";
        box.style.height = (100 * (y1 - y0)) / page.height + "%";
        return box;
      })
    );
  }

  function confidenceClass(confidence) {
    return confidence >= 85 ? "conf-high" : confidence >= 60 ? "conf-mid" : "conf-low";
  }

  function saveBlob(blob, name) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }
})();

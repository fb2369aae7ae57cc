"use strict";
// The upload page: choose, drop or paste files, read them through /v1/ocr, show text and boxes.
// PDFs and multi-page TIFFs (told by their first bytes) go to /v1/jobs instead: read in the
// background whatever their length, with their progress shown and a button to cancel them.
(function () {
  const form = document.getElementById("ocr-form");
  const fileInput = document.getElementById("file");
  const dropZone = document.getElementById("drop-zone");
  const chosenList = document.getElementById("chosen");
  const langSelect = document.getElementById("lang");
  const psmSelect = document.getElementById("psm");
  const engineSelect = document.getElementById("engine");
  const readAs = document.getElementById("read-as");
  const autoRotate = document.getElementById("auto-rotate");
  const tokenInput = document.getElementById("token");
  const remember = document.getElementById("remember");
  const submitButton = document.getElementById("submit");
  const progress = document.getElementById("progress");
  const statusLine = document.getElementById("status");
  const results = document.getElementById("results");
  const template = document.getElementById("result-template");
  const apiUrl = form.dataset.api;
  const jobsUrl = form.dataset.jobs;
  const extractUrl = form.dataset.extract;
  const TOKEN_KEY = "ocr-token";
  const PARALLEL = 2;
  const POLL_MIN_SECONDS = 0.5;
  const POLL_MAX_SECONDS = 5;
  const POLL_ATTEMPTS = 12; // a status asked for in vain this many times in a row: give up
  const TRANSIENT = [429, 502, 503, 504];
  let files = [];
  let resultCount = 0;
  const runningJobs = new Set();

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

  // --- languages from the service itself, after "Automatic" (lang=auto: each page's found).
  fetch(form.dataset.languages)
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => {
      if (!data) return;
      const chosen = langSelect.value;
      langSelect.replaceChildren(
        langSelect.options[0],
        ...data.languages.map((code) => new Option(code, code, false, code === chosen))
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
    let canceled = 0;
    const queue = files.slice();
    // One file: its pages' progress is the form's. Several: the form counts files.
    const report = files.length === 1 ? showProgress : null;
    say(progressText(0, files.length));
    async function worker() {
      while (queue.length) {
        const file = queue.shift();
        const outcome = await readFile(file, report);
        done += 1;
        failed += outcome === "failed" ? 1 : 0;
        canceled += outcome === "canceled" ? 1 : 0;
        progress.value = done;
        if (done < files.length) say(progressText(done, files.length));
      }
    }
    progress.max = files.length;
    progress.removeAttribute("value");
    await Promise.all(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
    busy(false);
    const read = done - failed - canceled;
    if (failed === 0 && canceled === 0) {
      say(done === 1 ? "Done." : "Done: " + done + " files read.", "ok");
    } else if (done === 1 && canceled === 1) say("Canceled.");
    else if (failed === done && done === 1) say(lastError, "error");
    else if (failed === 0) say("Done: " + read + " read, " + canceled + " canceled.");
    else say(failed + " of " + done + " files could not be read; see below.", "error");
  });

  function showProgress(text, value, max) {
    say(text);
    progress.max = max;
    progress.value = value;
  }

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

  function queryFor(url, extra) {
    const params = new URLSearchParams({ lang: langSelect.value });
    if (psmSelect.value) params.set("psm", psmSelect.value);
    if (engineSelect.value) params.set("engine", engineSelect.value);
    if (!autoRotate.checked) {
      params.set("auto_rotate", "false");
      params.set("deskew", "false");
    }
    Object.entries(extra || {}).forEach(([name, value]) => params.set(name, value));
    return url + "?" + params.toString();
  }

  function upload(file) {
    const body = new FormData();
    body.append("file", file, file.name || "upload");
    return body;
  }

  async function post(file, format) {
    const response = await fetch(queryFor(apiUrl, format ? { format } : {}), {
      method: "POST",
      headers: authHeaders(),
      body: upload(file),
    });
    if (!response.ok) throw new Error(await explain(response));
    return response;
  }

  async function extract(file) {
    // The kind is told from the page by the service; the reading options are the form's.
    const response = await fetch(queryFor(extractUrl), {
      method: "POST",
      headers: authHeaders(),
      body: upload(file),
    });
    if (!response.ok) throw new Error(await explain(response));
    return response;
  }

  // "ok", "failed" or "canceled"; `report(text, value, max)` hears a job's progress.
  async function readFile(file, report) {
    const card = newCard(file);
    try {
      if (readAs.value === "extract") {
        const data = await (await extract(file)).json();
        fillExtraction(card, file, data);
      } else if (await isDocument(file)) {
        const job = startJob(file, card, report);
        const data = await job.json();
        if (data === null) {
          card.meta.textContent = "Canceled.";
          card.body.hidden = true;
          return "canceled";
        }
        fillCard(card, file, data, (format) => downloadFromJob(file, card, format));
      } else {
        const data = await (await post(file)).json();
        fillCard(card, file, data, async (format) => (await post(file, format)).blob());
      }
      return "ok";
    } catch (error) {
      lastError = messageOf(error);
      card.meta.textContent = lastError;
      card.meta.classList.add("error");
      card.body.hidden = true;
      return "failed";
    }
  }

  // --- which files are documents for /v1/jobs: PDFs and TIFFs of more than one page, told by
  // their first bytes (a name or a type can be anything, or nothing for a dropped file).
  async function isDocument(file) {
    const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
    const startsWith = (bytes) => bytes.every((byte, index) => head[index] === byte);
    if (startsWith([0x25, 0x50, 0x44, 0x46, 0x2d])) return true; // %PDF-
    if (startsWith([0x49, 0x49, 0x2a, 0x00])) return tiffHasSeveralPages(file, true); // II*\0
    if (startsWith([0x4d, 0x4d, 0x00, 0x2a])) return tiffHasSeveralPages(file, false); // MM\0*
    return false;
  }

  async function tiffHasSeveralPages(file, littleEndian) {
    // The header points at the first page's directory (IFD); a directory ends with where the
    // next page's is, 0 for none.
    const view = async (offset, length) =>
      new DataView(await file.slice(offset, offset + length).arrayBuffer());
    try {
      const first = (await view(4, 4)).getUint32(0, littleEndian);
      const entries = (await view(first, 2)).getUint16(0, littleEndian);
      return (await view(first + 2 + 12 * entries, 4)).getUint32(0, littleEndian) !== 0;
    } catch (_) {
      return false; // a truncated TIFF: /v1/ocr says what is wrong with it
    }
  }

  // --- jobs: submit, poll the Location at the pace Retry-After asks, fetch the result.
  // `job.json()` is the result's JSON, or null when the job was canceled.
  function startJob(file, card, report, formats) {
    const controller = new AbortController();
    const job = { location: null, resultUrl: null, canceled: false, deleted: null };
    runningJobs.add(job);
    job.remove = () => {
      // Deletes the job and its files on the service, once.
      if (!job.location) return Promise.resolve();
      if (!job.deleted) {
        job.deleted = fetch(job.location, {
          method: "DELETE",
          headers: authHeaders(),
          keepalive: true, // so that it is still sent when the page is being closed
        }).catch(() => {});
      }
      return job.deleted;
    };
    job.cancel = () => {
      job.canceled = true;
      card.cancel.disabled = true;
      controller.abort();
      return job.remove();
    };
    const onCancel = () => job.cancel();
    card.cancel.addEventListener("click", onCancel);
    card.cancel.disabled = false;
    card.job.hidden = false;

    async function poll() {
      const params = formats ? { formats } : {};
      let response = await fetch(queryFor(jobsUrl, params), {
        method: "POST",
        headers: authHeaders(),
        body: upload(file),
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(await explain(response));
      job.location = response.headers.get("Location");
      let status = await response.json();
      job.location = job.location || status.links.self;
      job.resultUrl = status.links.result;
      for (;;) {
        showJobProgress(card, report, status);
        if (["succeeded", "failed", "canceled"].includes(status.status)) return status;
        await pause(retryAfter(response), controller.signal);
        response = await pollOnce(job.location, controller.signal);
        status = await response.json();
      }
    }

    async function finish() {
      try {
        const status = await poll();
        if (status.status === "canceled") return null;
        if (status.status === "failed") {
          const detail = status.error && status.error.detail;
          throw new Error("The document could not be read. " + (detail || ""));
        }
        return status;
      } catch (error) {
        if (job.canceled) {
          await job.remove();
          return null;
        }
        throw error;
      } finally {
        card.cancel.removeEventListener("click", onCancel);
        card.job.hidden = true;
      }
    }

    async function result(format) {
      try {
        const status = await finish();
        if (status === null) return null;
        const response = await fetch(job.resultUrl + "?format=" + format, {
          headers: authHeaders(),
        });
        if (!response.ok) throw new Error(await explain(response));
        return format === "json" ? await response.json() : await response.blob();
      } finally {
        // The text is on the page now: the service keeps nothing of it.
        await job.remove();
        runningJobs.delete(job);
      }
    }

    job.json = () => result("json");
    job.blob = (format) => result(format);
    return job;
  }

  async function pollOnce(url, signal) {
    // The job's status; a service busy or out of reach for a while is asked again (the job
    // goes on meanwhile) rather than taken for a failed job.
    for (let attempt = 1; ; attempt++) {
      let response = null;
      try {
        response = await fetch(url, { headers: authHeaders(), signal, cache: "no-store" });
      } catch (error) {
        if (error.name === "AbortError" || attempt >= POLL_ATTEMPTS) throw error;
      }
      if (response && response.ok) return response;
      if (response && (!TRANSIENT.includes(response.status) || attempt >= POLL_ATTEMPTS)) {
        throw new Error(await explain(response));
      }
      await pause(response ? retryAfter(response) : POLL_MAX_SECONDS, signal);
    }
  }

  function showJobProgress(card, report, status) {
    const total = status.pages_total;
    const done = status.pages_done;
    const text =
      status.status === "queued" || status.status === "running"
        ? total
          ? "Reading page " + Math.min(done + 1, total) + " of " + total + "…"
          : "Reading…"
        : "Read " + done + " of " + total + " pages.";
    card.meta.textContent = text;
    card.progress.max = Math.max(total, 1);
    card.progress.value = done;
    if (report) report(text, done, Math.max(total, 1));
  }

  function retryAfter(response) {
    // Seconds (or an HTTP date), kept between POLL_MIN_SECONDS and POLL_MAX_SECONDS.
    const header = response.headers.get("Retry-After");
    let seconds = Number(header);
    if (header === null || header.trim() === "") seconds = 1;
    else if (Number.isNaN(seconds)) seconds = (Date.parse(header) - Date.now()) / 1000;
    if (Number.isNaN(seconds)) seconds = 1;
    return Math.min(Math.max(seconds, POLL_MIN_SECONDS), POLL_MAX_SECONDS);
  }

  function pause(seconds, signal) {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new DOMException("Canceled", "AbortError"));
      const aborted = () => {
        clearTimeout(timer);
        reject(new DOMException("Canceled", "AbortError"));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", aborted);
        resolve();
      }, seconds * 1000);
      signal.addEventListener("abort", aborted, { once: true });
    });
  }

  async function downloadFromJob(file, card, format) {
    // hOCR and the searchable PDF of a document: one more job that makes them.
    const meta = card.meta.textContent;
    try {
      const blob = await startJob(file, card, null, format).blob(format);
      if (blob === null) throw new Error("Canceled.");
      return blob;
    } finally {
      card.meta.textContent = meta;
    }
  }

  // Leaving the page ends its jobs: nobody would fetch their results.
  window.addEventListener("pagehide", () => runningJobs.forEach((job) => job.remove()));

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
      case 404:
        return "The service no longer has this job. " + detail;
      case 410:
        return "The service no longer keeps this result. " + detail;
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
      job: node.querySelector(".result-job"),
      progress: node.querySelector(".result-progress"),
      cancel: node.querySelector(".cancel"),
    };
    const name = file.name || "pasted image";
    node.querySelector(".result-name").textContent = name;
    card.progress.setAttribute("aria-label", "Reading " + name);
    card.cancel.setAttribute("aria-label", "Cancel reading " + name);
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

  // `fetchFormat(format)`: the blob of the file in that format, for the download buttons.
  function fillCard(card, file, data, fetchFormat) {
    const node = card.node;
    const lines = data.pages.reduce((sum, page) => sum + page.lines.length, 0);
    const pages = data.pages.length;
    const failedPages = data.pages.filter((page) => page.error);
    card.meta.textContent =
      (pages > 1 ? pages + " pages · " : "") +
      (failedPages.length ? failedPages.length + " could not be read · " : "") +
      lines + " lines · " + Math.round(data.timings_ms.total) + " ms";
    const pageErrors = node.querySelector(".page-errors");
    pageErrors.replaceChildren(
      ...failedPages.map((page) => {
        const item = document.createElement("li");
        item.textContent = "Page " + page.number + " could not be read: " + page.error.detail;
        return item;
      })
    );
    pageErrors.hidden = failedPages.length === 0;
    const languages = node.querySelector(".languages");
    languages.textContent = languageLine(data.pages);
    languages.hidden = !languages.textContent;
    const text = data.pages
      .filter((page) => !page.error)
      .map((page) => page.text.trim())
      .join("\n\n");
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
        button.disabled = true;
        try {
          const blob =
            format === "text"
              ? new Blob([textArea.value], { type: "text/plain" })
              : await fetchFormat(format);
          const extension = { text: ".txt", markdown: ".md", hocr: ".hocr.html", pdf: ".pdf" }[
            format
          ];
          saveBlob(blob, baseName + extension);
        } catch (error) {
          say(messageOf(error), "error");
        } finally {
          button.disabled = false;
        }
      })
    );

    const formatted = node.querySelector(".formatted");
    const showFormatted = node.querySelector(".show-formatted");
    showFormatted.addEventListener("click", async () => {
      // The Markdown the service writes (headings, paragraphs, lists, tables), shown as such.
      if (!formatted.hidden) {
        formatted.hidden = true;
        showFormatted.textContent = "Show formatted";
        return;
      }
      showFormatted.disabled = true;
      try {
        const markdown = await (await fetchFormat("markdown")).text();
        formatted.replaceChildren(...renderMarkdown(markdown));
        formatted.hidden = false;
        showFormatted.textContent = "Hide formatted";
      } catch (error) {
        say(messageOf(error), "error");
      } finally {
        showFormatted.disabled = false;
      }
    });

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

  // With lang=auto, the languages the service found: "Language: French (0.97)", from the
  // first page that says (the others are most often in the same).
  function languageLine(pages) {
    const page = pages.find((each) => each.languages && each.languages.length);
    if (!page) return "";
    const found = page.languages.map(
      (each) => languageName(each.language) + " (" + each.confidence.toFixed(2) + ")"
    );
    return (found.length > 1 ? "Languages: " : "Language: ") + found.join(", ");
  }

  function languageName(code) {
    try {
      return new Intl.DisplayNames(["en"], { type: "language" }).of(code) || code;
    } catch (_) {
      return code; // not a language tag (chi_sim): Tesseract's code as it is
    }
  }

  // --- a receipt's or an invoice's data: its fields as a small form beside the image, each
  // field's box lit on the image while the pointer (or the focus) is on the field.
  const FIELD_NAMES = {
    merchant_name: "Merchant", merchant_address: "Address", merchant_phone: "Phone",
    merchant_tax_id: "Tax id", transaction_date: "Date", transaction_time: "Time",
    document_number: "Number", subtotal: "Subtotal", tax: "Tax", tip: "Tip",
    discount: "Discount", total: "Total", currency: "Currency", due_date: "Due",
    customer_name: "Customer", customer_address: "Customer address",
  };

  function fillExtraction(card, file, data) {
    const node = card.node;
    const names = Object.keys(data.fields);
    card.meta.textContent =
      data.kind + " · " + names.length + " fields · " + data.items.length + " items · " +
      Math.round(data.timings_ms.total) + " ms";
    const section = node.querySelector(".extraction");
    section.hidden = false;
    node.querySelector(".extraction-kind").textContent =
      data.kind === "other" ? "No receipt or invoice found on this page" :
      data.kind === "invoice" ? "Invoice" : "Receipt";
    const list = node.querySelector(".fields");
    const boxes = node.querySelector(".boxes");
    const first = data.pages[0];
    list.replaceChildren(
      ...names.flatMap((name) => {
        const field = data.fields[name];
        const term = document.createElement("dt");
        term.textContent = FIELD_NAMES[name] || name;
        const value = document.createElement("dd");
        value.textContent = field.value;
        value.title = "Printed: " + field.text;
        value.tabIndex = 0;
        value.dataset.field = name;
        const light = (on) => {
          value.classList.toggle("lit", on);
          const box = boxes.querySelector('[data-field="' + name + '"]');
          if (box) box.classList.toggle("lit", on);
        };
        ["mouseenter", "focus"].forEach((type) => value.addEventListener(type, () => light(true)));
        ["mouseleave", "blur"].forEach((type) => value.addEventListener(type, () => light(false)));
        return [term, value];
      })
    );
    const table = node.querySelector(".items");
    table.hidden = data.items.length === 0;
    table.tBodies[0].replaceChildren(
      ...data.items.map((item) => {
        const row = document.createElement("tr");
        [item.description, item.quantity || "", item.unit_price || "", item.amount].forEach(
          (text) => {
            const cell = document.createElement("td");
            cell.textContent = text;
            row.append(cell);
          }
        );
        return row;
      })
    );
    const checks = node.querySelector(".checks");
    if (data.kind !== "other") {
      checks.textContent = data.checks.consistent
        ? "The items and sums add up."
        : "The items or sums do not add up: worth a look.";
      checks.classList.toggle("error", !data.checks.consistent);
    }
    node.querySelector(".tables").replaceChildren(...data.tables.map(tableElement));
    node.querySelector(".text").value = data.text;
    node.querySelectorAll(".download").forEach((button) => {
      button.hidden = button.dataset.format !== "json";
    });
    node.querySelector(".show-formatted").hidden = true;
    const baseName = (file.name || "pasted").replace(/\.[^.]+$/, "");
    node.querySelector('.download[data-format="json"]').addEventListener("click", () => {
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      saveBlob(blob, baseName + ".json");
    });
    const showable = /^image\/(png|jpeg|gif|webp|bmp)$/.test(file.type) && first;
    if (!showable) {
      card.body.classList.add("no-preview");
      return;
    }
    const image = node.querySelector(".preview-image");
    image.alt = "Preview of " + (file.name || "the pasted image");
    image.src = URL.createObjectURL(file);
    node.querySelector(".preview").hidden = false;
    node.querySelector(".legend").hidden = true;
    node.querySelector(".toggle-boxes-label").textContent = "Show field boxes";
    boxes.replaceChildren(
      ...names
        .filter((name) => data.fields[name].page === first.number)
        .map((name) => {
          const box = placedBox(data.fields[name].box, first);
          box.className = "box field-box";
          box.dataset.field = name;
          box.title = (FIELD_NAMES[name] || name) + ": " + data.fields[name].value;
          return box;
        })
    );
    node.querySelector(".toggle-boxes").addEventListener("change", (event) => {
      boxes.classList.toggle("hidden", !event.currentTarget.checked);
    });
  }

  function tableElement(found, index) {
    // Cells by row and column; a cell spanning columns spans them here too.
    const table = document.createElement("table");
    table.className = "found-table";
    const caption = document.createElement("caption");
    caption.textContent = "Table " + (index + 1) + " (page " + found.page + ")";
    table.append(caption);
    const rows = Array.from({ length: found.rows }, () => document.createElement("tr"));
    found.cells
      .slice()
      .sort((a, b) => a.row - b.row || a.column - b.column)
      .forEach((cell) => {
        const element = document.createElement(cell.row === 0 ? "th" : "td");
        element.textContent = cell.text;
        if (cell.column_span > 1) element.colSpan = cell.column_span;
        rows[cell.row].append(element);
      });
    table.append(...rows);
    return table;
  }

  // The service's Markdown as elements (never as HTML): headings, paragraphs, lists, tables.
  function renderMarkdown(markdown) {
    const cells = (line) =>
      line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
    return markdown
      .trim()
      .split(/\n{2,}/)
      .filter((block) => block.trim())
      .map((block) => {
        const lines = block.split("\n").filter((line) => line.trim());
        const heading = /^(#{1,6}) (.*)$/.exec(block);
        if (heading && lines.length === 1) {
          const element = document.createElement("h" + Math.min(6, heading[1].length + 2));
          element.textContent = heading[2];
          return element;
        }
        if (lines.every((line) => /^- /.test(line)) || lines.every((line) => /^\d+\. /.test(line))) {
          const list = document.createElement(/^- /.test(lines[0]) ? "ul" : "ol");
          list.append(
            ...lines.map((line) => {
              const item = document.createElement("li");
              item.textContent = line.replace(/^(- |\d+\. )/, "");
              return item;
            })
          );
          return list;
        }
        if (lines.length >= 2 && lines.every((line) => /^\|.*\|$/.test(line))) {
          const table = document.createElement("table");
          table.className = "found-table";
          lines
            .filter((_, index) => index !== 1) // the | --- | row
            .forEach((line, index) => {
              const row = document.createElement("tr");
              cells(line).forEach((text) => {
                const cell = document.createElement(index === 0 ? "th" : "td");
                cell.textContent = text;
                row.append(cell);
              });
              table.append(row);
            });
          return table;
        }
        const paragraph = document.createElement("p");
        paragraph.textContent = block.replace(/\n/g, " ");
        return paragraph;
      });
  }

  function placedBox(bbox, page) {
    const [x0, y0, x1, y1] = bbox;
    const box = document.createElement("div");
    box.style.left = (100 * x0) / page.width + "%";
    box.style.top = (100 * y0) / page.height + "%";
    box.style.width = (100 * (x1 - x0)) / page.width + "%";
    box.style.height = (100 * (y1 - y0)) / page.height + "%";
    return box;
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

"use strict";
(function () {
  const form = document.getElementById("ocr-form");
  const status = document.getElementById("status");
  const result = document.getElementById("result");
  const tokenInput = document.getElementById("token");
  const TOKEN_KEY = "ocr-token";
  if (tokenInput) tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || "";

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = document.getElementById("file").files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file);
    const headers = {};
    if (tokenInput) {
      sessionStorage.setItem(TOKEN_KEY, tokenInput.value);
      headers.Authorization = "Bearer " + tokenInput.value;
    }
    status.className = "";
    status.textContent = "Reading…";
    result.value = "";
    try {
      const response = await fetch("./", { method: "POST", headers, body });
      const data = await response.json();
      if (!response.ok) throw new Error(data.detail || response.statusText);
      result.value = data.original;
      status.textContent = data.results.length + " lines read.";
    } catch (error) {
      status.className = "error";
      status.textContent = String(error.message || error);
    }
  });
})();

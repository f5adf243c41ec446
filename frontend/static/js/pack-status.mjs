// Polls a pack's status while it is being made, and reveals the download link when it is ready,
// or the way to ask again when the build failed.
const container = document.querySelector("[data-pack-status]");

if (container) {
  const url = container.getAttribute("data-pack-status");
  const label = container.querySelector("[data-pack-label] strong");
  const download = container.querySelector("[data-pack-download]");
  const wait = container.querySelector("[data-pack-wait]");
  const failed = container.querySelector("[data-pack-failed]");
  let tries = 0;

  const poll = async () => {
    tries += 1;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const state = await response.json();
      label.textContent = state.label;
      if (state.download) {
        label.className = "govuk-tag govuk-tag--green";
        download.hidden = false;
        if (wait) wait.hidden = true;
        return;
      }
      if (state.status === "withdrawn") return; // the page already says why, and offers a new one
      if (state.status === "failed") {
        label.className = "govuk-tag govuk-tag--red";
        if (wait) wait.hidden = true;
        if (failed) failed.hidden = false;
        return;
      }
    } catch {
      // A network blip: try again on the next tick.
    }
    if (tries < 90) window.setTimeout(poll, 2000);
  };

  if (download && download.hidden) window.setTimeout(poll, 1000);
}

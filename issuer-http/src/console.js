// The console's one script: keeps a roster run's progress current (the page works without it:
// its link shows the latest progress). Reloads the page when the run has finished.
const progress = document.querySelector("[data-progress]");
if (progress) {
  const bar = document.querySelector("progress");
  const poll = async () => {
    try {
      const answer = await fetch(progress.dataset.progress, { credentials: "same-origin" });
      const state = await answer.json();
      if (state.finished) {
        window.location.reload();
        return;
      }
      progress.textContent = `${state.done} of ${state.total} rows done…`;
      if (bar) bar.value = state.done;
    } catch (e) {
      // The link still works; try again.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
}

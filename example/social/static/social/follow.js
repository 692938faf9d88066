// Follow/unfollow without leaving the page: the form still works without JavaScript (it posts and
// redirects back); with it, the same POST asks for JSON and the counts are updated in place.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-sequere-follow]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    const key = `${form.elements.identifier.value}:${form.elements.object_id.value}`;
    if (data.followers_count !== undefined) {  // left out where the followers are hidden
      document.querySelectorAll(`[data-followers-count="${key}"]`).forEach((node) => {
        node.textContent = data.followers_count;
      });
    }
    document.querySelectorAll(`form[data-sequere-follow]`).forEach((other) => {
      if (`${other.elements.identifier.value}:${other.elements.object_id.value}` !== key) return;
      other.dataset.following = String(data.following);
      other.action = data.following ? other.dataset.unfollowUrl : other.dataset.followUrl;
      const label = data.following ? "Unfollow" : "Follow";
      const otherButton = other.querySelector("button");
      otherButton.textContent = label;
      const aria = otherButton.getAttribute("aria-label");
      if (aria) otherButton.setAttribute("aria-label", aria.replace(/^(Unfollow|Follow)/, label));
    });
  } catch (error) {
    form.submit();  // fall back to the plain form post
    return;
  } finally {
    button.disabled = false;
  }
});

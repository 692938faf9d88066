// Follow/unfollow without leaving the page: the form still works without JavaScript (it posts and
// redirects back); with it, the same POST asks for JSON and the page is updated in place: the
// button, the follower counts (number and word), and the unread badge, since following copies the
// followed one's recent actions into the feed and unfollowing takes them out.
const plurals = new Intl.PluralRules(document.documentElement.lang || "en");

function showFollowers(node, count) {
  node.querySelector("[data-count]").textContent = count;
  // both words come from the server's translations (ngettext), the choice from the language's rule
  const noun = node.querySelector("[data-noun]");
  if (noun) noun.textContent = plurals.select(count) === "one" ? node.dataset.one : node.dataset.other;
}

async function refreshUnread() {
  const badge = document.getElementById("unread-badge");
  if (!badge) return;
  const response = await fetch(badge.dataset.url, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) return;
  const { unread_count: count } = await response.json();
  badge.textContent = count;
  badge.dataset.count = String(count);
  const summary = document.getElementById("unread-summary");
  if (summary) summary.textContent = `${count} unread`;
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-sequere-follow]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const body = new FormData(form);
    // without a redirect target the follow views answer JSON (the original package's contract)
    body.delete("next");
    body.delete("redirect_url");
    const response = await fetch(form.action, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    const key = `${form.elements.identifier.value}:${form.elements.object_id.value}`;
    if (data.followers_count !== undefined) {  // left out where the followers are hidden
      document.querySelectorAll(`[data-followers-count="${key}"]`).forEach((node) => {
        showFollowers(node, data.followers_count);
      });
    }
    document.querySelectorAll(`form[data-sequere-follow]`).forEach((other) => {
      if (`${other.elements.identifier.value}:${other.elements.object_id.value}` !== key) return;
      other.dataset.following = String(data.following);
      // a private account: the follow made a request, which the same button withdraws
      const requested = Boolean(data.requested);
      other.dataset.requested = String(requested);
      const undo = data.following || requested;
      other.action = undo ? other.dataset.unfollowUrl : other.dataset.followUrl;
      const label = data.following ? "Unfollow" : requested ? "Requested" : "Follow";
      const otherButton = other.querySelector("button");
      otherButton.textContent = label;
      const aria = otherButton.getAttribute("aria-label");
      if (aria) {
        const verb = requested ? "Cancel your request to follow" : label;
        otherButton.setAttribute("aria-label", aria.replace(/^(Unfollow|Follow|Cancel your request to follow)/, verb));
      }
    });
  } catch (error) {
    form.submit();  // fall back to the plain form post
    return;
  } finally {
    button.disabled = false;
  }
  try {
    await refreshUnread();
  } catch (error) {
    // the badge is refreshed on the next page load anyway
  }
});

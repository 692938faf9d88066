// Follow/unfollow without leaving the page, through sequere's REST API: the form still works
// without JavaScript (it posts to the follow views and redirects back); with it, the button sends
// POST (follow) or DELETE (unfollow) to /api/sequere/objects/<identifier>/<id>/follow/ and the
// page is updated in place: the button, the follower counts (number and word), and the unread
// badge, since following copies the followed one's recent actions into the feed and unfollowing
// takes them out.
const plurals = new Intl.PluralRules(document.documentElement.lang || "en");

function showFollowers(node, count) {
  node.querySelector("[data-count]").textContent = count;
  // both words come from the server's translations (ngettext), the choice from the language's rule
  const noun = node.querySelector("[data-noun]");
  if (noun) noun.textContent = plurals.select(count) === "one" ? node.dataset.one : node.dataset.other;
}

function showUnread(count) {
  const badge = document.getElementById("unread-badge");
  if (!badge) return;
  badge.textContent = count;
  badge.dataset.count = String(count);
  const summary = document.getElementById("unread-summary");
  if (summary) summary.textContent = `${count} unread`;
}

async function refreshUnread() {
  const badge = document.getElementById("unread-badge");
  if (!badge) return;
  const response = await fetch(badge.dataset.url, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) return;
  showUnread((await response.json()).unread_count);
}

function followUrl(identifier, objectId) {
  return document.body.dataset.apiFollow
    .replace("IDENTIFIER", encodeURIComponent(identifier))
    .replace("OBJECT_ID", encodeURIComponent(objectId));
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-sequere-follow]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  const identifier = form.elements.identifier.value;
  const objectId = form.elements.object_id.value;
  try {
    const response = await fetch(followUrl(identifier, objectId), {
      method: form.dataset.following === "true" ? "DELETE" : "POST",
      headers: { Accept: "application/json", "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
      credentials: "same-origin",
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || response.statusText);
    const key = `${identifier}:${objectId}`;
    if (data.followers_count !== undefined) {  // left out where the followers are hidden
      document.querySelectorAll(`[data-followers-count="${key}"]`).forEach((node) => {
        showFollowers(node, data.followers_count);
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
  try {
    await refreshUnread();
  } catch (error) {
    // the badge is refreshed on the next page load anyway
  }
});

// The feed page's scripts, on sequere's REST API and live feed:
// - new actions appear at the top without a reload: an EventSource on the live feed
//   (/api/sequere/timeline/live/), resuming after the newest action the page shows; each
//   "action" event carries the REST API's JSON of one action, each "unread" event the count;
// - "Load more" appends older actions from the REST timeline's cursor pages (next links),
//   in place of the page links, which stay for visitors without JavaScript.
const feed = document.getElementById("feed");
const me = document.body.dataset.me;

function ago(date) {
  const seconds = Math.max(0, (Date.now() - date.getTime()) / 1000);
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} hour${hours === 1 ? "" : "s"} ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

// One <li> as social/_action.html renders it, from the REST API's JSON of an action.
function renderAction(action, unread) {
  const li = document.createElement("li");
  li.className = unread ? "action unread" : "action";
  li.dataset.verb = action.verb;
  li.dataset.id = action.id;
  li.append(link(action.actor.url, action.actor.username), " ");
  if (action.verb === "post" && action.target) {
    const quote = document.createElement("q");
    quote.textContent = action.target.text;
    li.append("posted ", quote);
  } else if (action.verb === "like" && action.target) {
    li.append("liked ", link(action.target.url, action.target.name));
  } else if (action.verb === "join") {
    li.append("joined");
  } else {
    li.append(`${action.verb} ${action.target ? action.target.display : ""}`);
  }
  const date = new Date(action.date);
  const time = document.createElement("time");
  time.dateTime = action.date;
  time.title = date.toLocaleString();
  time.textContent = ago(date);
  li.append(" ", time);
  return li;
}

function isUnread(action) {
  const readAt = feed.dataset.readAt ? new Date(feed.dataset.readAt) : null;
  return action.actor.id !== me && (!readAt || new Date(action.date) > readAt);
}

function shown(id) {
  return feed.querySelector(`[data-id="${CSS.escape(id)}"]`) !== null;
}

if (feed && feed.dataset.live) {
  const source = new EventSource(feed.dataset.live, { withCredentials: true });
  source.addEventListener("action", (event) => {
    const action = JSON.parse(event.data);
    if (shown(action.id)) return;
    feed.querySelector(".empty")?.remove();
    feed.prepend(renderAction(action, isUnread(action)));
  });
  source.addEventListener("unread", (event) => {
    const { unread_count: count } = JSON.parse(event.data);
    if (typeof showUnread === "function") showUnread(count);
  });
  window.addEventListener("pagehide", () => source.close());
}

const more = document.getElementById("load-more");
if (feed && more) {
  document.querySelector(".pagination")?.setAttribute("hidden", "");
  more.hidden = false;
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const response = await fetch(more.dataset.url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(response.statusText);
      const page = await response.json();
      for (const action of page.results) {
        if (!shown(action.id)) feed.append(renderAction(action, isUnread(action)));
      }
      if (page.next) {
        more.dataset.url = page.next;
      } else {
        more.remove();
      }
    } finally {
      more.disabled = false;
    }
  });
}

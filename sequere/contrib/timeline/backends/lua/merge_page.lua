-- One page of a merged private timeline (hybrid fan-out) as action ids.
-- keys: timeline publics...
-- args: cap verb target desc offset limit cutoffs...
-- uses: entries merge
-- returns: rows of id
--
-- `publics` are the public timelines of the pulled actors the owner follows and `cutoffs` (same
-- order) the date each is merged from. The merged view keeps the newest `cap` distinct entries;
-- filters and paging apply to it as page.lua applies them to one list. Newest first, the walk
-- stops as soon as the page is full; oldest first, it walks the whole capped view.
local rows = {}
local ids = merged_page_ids(timeline, publics, cutoffs, cap, verb, target, desc, offset, limit)
for i = 1, #ids do rows[i] = {ids[i]} end
return rows

-- merge_page.lua for a reader that knows the owner's pulled followings already: one round trip.
-- keys: timeline pulling publics...
-- args: cap verb target desc offset limit members cutoffs...
-- uses: entries merge
-- returns: fresh ids
--
-- `members` are the members of the owner's `pulling` ZSET the caller read before (NUL-separated,
-- in ZRANGE order), `publics` their public timelines and `cutoffs` their scores, in that order.
-- When the ZSET still holds exactly those, `fresh` is 1 and `ids` the page (as merge_page.lua);
-- otherwise `fresh` is 0 and `ids` empty: the caller reads the pulled followings again.
if not pulled_are(pulling, members, cutoffs) then return {'fresh', 0, 'ids', {}} end
return {'fresh', 1, 'ids', merged_page_ids(timeline, publics, cutoffs, cap, verb, target, desc, offset, limit)}

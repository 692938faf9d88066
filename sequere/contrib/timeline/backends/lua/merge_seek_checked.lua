-- merge_seek.lua for a reader that knows the owner's pulled followings already: one round trip.
-- keys: timeline pulling publics...
-- args: cap verb target older limit cursor_date cursor_id members cutoffs...
-- uses: entries merge
-- returns: fresh rows
--
-- As merge_page_checked.lua: `rows` (merge_seek.lua's, each {id, date}) when the `pulling` ZSET
-- still holds exactly `members` with the scores `cutoffs`; otherwise `fresh` is 0, `rows` empty.
if not pulled_are(pulling, members, cutoffs) then return {'fresh', 0, 'rows', {}} end
local rows = merged_seek_rows(timeline, publics, cutoffs, cap, verb, target, older, limit, cursor_date, cursor_id)
return {'fresh', 1, 'rows', rows}

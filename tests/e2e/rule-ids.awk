# awk -f rule-ids.awk rules/default.yaml: the rule ids of the rules file, one a line.
# Every rule id the built-in rules let driftwatch emit: each rule and audit
# command; per surface DW-FIM-<id>, DW-AUD-<id> unless its audit is off, and
# DW-ETC-<id> when one of its paths lies in /etc (etc-diff looks nowhere else).
function flush() { if (sid == "") return
        print "DW-FIM-" sid; if (!off) print "DW-AUD-" sid; if (etc) print "DW-ETC-" sid; sid = "" }
/^[a-z]/                         { flush(); sect = $1 }
sect == "surfaces:" && /^  - id: / { flush(); sid = $3; off = etc = inpaths = 0; next }
sect == "surfaces:" && /^    audit: off$/ { off = 1 }
sect == "surfaces:" && /^    [a-z]+:/ { inpaths = ($1 == "paths:") }
sect == "surfaces:" && inpaths && /[[ ,"]\/etc[\/",\]]/ { etc = 1 }
sect != "surfaces:" && /^  (  )?- id: DW-[A-Z0-9-]+$/ { print $3 }
END { flush() }

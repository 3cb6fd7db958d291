"""Calling-law proof: the rules of when a callee may be called, and the proof that a schedule
keeps to them.

`catalog` loads the rule data shipped in the package (`rules.json`, schema
`schemas/laws.schema.json`); `zones` maps a jurisdiction to the IANA zones its callees live in;
`calendar` knows each rule's holidays; `allowed` turns the rules in force on a local date into
allowed local minutes; `proof` compares a schedule's callable time with them, zone by zone and
day by day. Research notes, not legal advice.
"""

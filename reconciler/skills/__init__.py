"""Personal Connection skill dialing settings: the resource of the Admin API profile.

A skill's dialing settings are three blocks (`BLOCKS`): the weekly schedule, the per-zone
calling windows and the general dialer settings. `normal` gives every block one profile-neutral
normal form (what is compared, diffed and digested into a version token); `zones` maps IANA
zone names to CXone's standard names. Nothing here does I/O.
"""

"""The seam between the reconciler and a tenant: the protocol, its errors, its version token.

`protocol.ScheduleAPI` is everything plan, apply, audit and the analytics ask of a tenant;
`errors` is everything they catch. Each API profile (`reconciler.cxone` for the REST contract)
implements the one and raises the other.
"""

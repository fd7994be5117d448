"""Access rules of bookings: visitors' pages, staff's pages, the admin's zones, the API."""

from anticafe.auth import Access

from . import Rule

B = {"booking_id": 999999}
Z = {"zone_id": 999999}

RULES = [
    Rule("bookings.index", Access.PUBLIC),
    Rule("bookings.zone", Access.PUBLIC, args=Z),
    Rule("bookings.zone", Access.USER, "POST", args=Z),
    Rule("bookings.mine", Access.USER),
    Rule("bookings.cancel", Access.USER, "POST", args=B),
    Rule("bookings.photo", Access.PUBLIC, args=Z),
    Rule("bookings.feed", Access.PUBLIC, args={"zone_id": 999999, "token": "not-a-token"}),

    Rule("bookings_staff.index", Access.STAFF),
    Rule("bookings_staff.day", Access.STAFF),
    Rule("bookings_staff.week", Access.STAFF),
    Rule("bookings_staff.new", Access.STAFF),
    Rule("bookings_staff.new", Access.STAFF, "POST"),
    Rule("bookings_staff.detail", Access.STAFF, args=B),
    Rule("bookings_staff.confirm", Access.STAFF, "POST", args=B),
    Rule("bookings_staff.decline", Access.STAFF, "POST", args=B),
    Rule("bookings_staff.cancel", Access.STAFF, "POST", args=B),
    Rule("bookings_staff.check_in", Access.STAFF, "POST", args=B),
    Rule("bookings_staff.add_guest", Access.STAFF, "POST", args=B),
    Rule("bookings_staff.release", Access.STAFF, "POST", args=B),
    Rule("bookings_staff.pay", Access.STAFF, "POST", args=B),
    Rule("bookings_staff.bill", Access.STAFF, args=B),
    Rule("bookings_staff.cancel_series", Access.STAFF, "POST", args={"series_id": 999999}),
    Rule("bookings_staff.closures", Access.STAFF),
    Rule("bookings_staff.closures", Access.STAFF, "POST"),
    Rule("bookings_staff.delete_closure", Access.STAFF, "POST", args={"closure_id": 999999}),

    Rule("bookings_admin.index", Access.ADMIN),
    Rule("bookings_admin.new", Access.ADMIN),
    Rule("bookings_admin.new", Access.ADMIN, "POST"),
    Rule("bookings_admin.edit", Access.ADMIN, args=Z),
    Rule("bookings_admin.edit", Access.ADMIN, "POST", args=Z),
    Rule("bookings_admin.delete", Access.ADMIN, "POST", args=Z),
    Rule("bookings_admin.regenerate_feed", Access.ADMIN, "POST", args=Z),

    Rule("bookings_api.list_zones", Access.PUBLIC),
    Rule("bookings_api.create_zone", Access.ADMIN, "POST"),
    Rule("bookings_api.update_zone", Access.ADMIN, "PATCH", args=Z),
    Rule("bookings_api.availability", Access.PUBLIC, args=Z),
    Rule("bookings_api.create_booking", Access.USER, "POST"),
    Rule("bookings_api.list_bookings", Access.STAFF),
    Rule("bookings_api.my_bookings", Access.USER),
    Rule("bookings_api.get_booking", Access.USER, args=B),
    Rule("bookings_api.confirm", Access.STAFF, "POST", args=B),
    Rule("bookings_api.decline", Access.STAFF, "POST", args=B),
    Rule("bookings_api.cancel", Access.USER, "POST", args=B),
    Rule("bookings_api.check_in", Access.STAFF, "POST", args=B),
    Rule("bookings_api.release", Access.STAFF, "POST", args=B),
    Rule("bookings_api.pay", Access.STAFF, "POST", args=B),
    Rule("bookings_api.list_closures", Access.STAFF),
    Rule("bookings_api.create_closure", Access.STAFF, "POST"),
    Rule("bookings_api.delete_closure", Access.STAFF, "DELETE", args={"closure_id": 999999}),
]

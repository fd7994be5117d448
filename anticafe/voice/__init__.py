"""Youth voice: feedback after events and ideas for the next ones, with the committee's counts."""


def init_app(app) -> None:
    """Show the feedback and idea figures on the committee's dashboard and period report."""
    from . import receivers

    receivers.connect()

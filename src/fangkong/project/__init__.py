"""The project level: what spans the apps. The demo across every app (``demo``, the ``fangkong demo`` and
``fangkong seed-demo`` commands) and the persona world of the tests (``testing``) live here, above the domain
apps, so that core and the registry never import the apps built on them."""

"""The national list of administrative divisions, so that 启用区县 works in the demo: a bulk
upsert that writes nothing when the list is already loaded."""

from org.services.divisions import PackageMissing, divisions_load, package_divisions


def load(*, password):
    try:
        source, names = package_divisions()
    except PackageMissing as missing:
        # The demo's own data does not need it; the page then says how to load the list.
        return f"skipped ({missing})"
    loaded = divisions_load(names=names, source=source)
    return f"{source}: {loaded.created} added, {loaded.updated} updated, {loaded.unchanged} unchanged"

import sys

from scheduler.store.private import restrict_umask

# First thing: every file this process creates (store, media, session and secrets files) is
# for the service user only; the public site's files get their modes explicitly.
restrict_umask()

from scheduler.cli.main import main  # noqa: E402

sys.exit(main())

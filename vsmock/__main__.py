import sys

from vsmock.cli import main

sys.exit(main())

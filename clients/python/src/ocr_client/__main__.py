import sys

from ocr_client.cli import main

sys.exit(main())

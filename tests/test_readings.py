"""Every Chinese character reads the same with pypinyin's phrase dictionary left unloaded.

`assistant.normalise` switches the phrase dictionary off to save memory, on the grounds that it only
ever reads single characters. If a pypinyin release made single readings depend on it, codes (and
so answers) would change silently; this compares both ways, each in a fresh process.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ_ALL = """
import hashlib
from assistant import normalise
readings = "|".join(normalise._syllable(chr(c)) for c in range(0x4E00, 0xA000))
print(hashlib.sha256((readings + "#" + ",".join(sorted(normalise._pinyin_syllables()))).encode()).hexdigest())
"""
WITH_PHRASES = "import os; os.environ['PYPINYIN_NO_PHRASES'] = ''; os.environ['PYPINYIN_NO_DICT_COPY'] = ''\n"


def run_fresh(code: str) -> str:
    """What `code` prints in a fresh Python process with none of pypinyin's switches set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN_")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_every_character_reads_the_same_without_the_phrase_dictionary():
    assert run_fresh(READ_ALL) == run_fresh(WITH_PHRASES + READ_ALL)


def test_the_phrase_dictionary_is_not_loaded():
    assert run_fresh("from assistant import normalise\nfrom pypinyin import constants\nprint(len(constants.PHRASES_DICT))") == "0"

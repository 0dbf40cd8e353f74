package harness

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BlockRecord finds block n in a stopped peer's (or orderer's) block files of
// the channel under ledgerDir. A block file is a sequence of (uvarint length,
// serialized block) records (Fabric's common/ledger/blkstorage/
// block_serialization.go); it returns the file, the offset of block n's
// serialized bytes in it, and those bytes. Tests that tamper with a ledger
// on disk locate their byte from there.
func BlockRecord(ledgerDir string, n uint64) (file string, start int, blk []byte, err error) {
	var files []string
	_ = filepath.WalkDir(ledgerDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "blockfile_") && filepath.Base(filepath.Dir(p)) == Channel {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	if len(files) == 0 {
		return "", 0, nil, fmt.Errorf("no block files for channel %s under %s", Channel, ledgerDir)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return "", 0, nil, err
		}
		for off := 0; off < len(raw); {
			l, k := binary.Uvarint(raw[off:])
			if k <= 0 || off+k+int(l) > len(raw) {
				break
			}
			rec := raw[off+k : off+k+int(l)]
			if num, a := binary.Uvarint(rec); a > 0 && num == n {
				return f, off + k, rec, nil
			}
			off += k + int(l)
		}
	}
	return "", 0, nil, fmt.Errorf("block %d not found in %v", n, files)
}

package webapp

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// assets are the embedded styles, scripts and icons, served under
// /static/ with a version in their URL (a hash of their bytes), so a
// browser keeps them for a year and still gets a new one after a
// release.
type assets struct {
	fsys    fs.FS
	version map[string]string
}

func newAssets(fsys fs.FS) *assets {
	as := &assets{fsys: fsys, version: map[string]string{}}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		as.version[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return as
}

// url is the versioned URL of an asset; it panics on a name not
// embedded, which the page tests meet first.
func (as *assets) url(name string) string {
	v, ok := as.version[name]
	if !ok {
		panic("webapp: no asset " + name)
	}
	return "/static/" + name + "?v=" + v
}

func (a *App) serveAsset(c echo.Context) error {
	name := strings.TrimPrefix(c.Request().URL.Path, "/static/")
	if _, ok := a.assets.version[name]; !ok {
		return echo.ErrNotFound
	}
	if c.QueryParam("v") == a.assets.version[name] {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(c.Response(), c.Request(), a.assets.fsys, name)
	return nil
}

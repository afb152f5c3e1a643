package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/youtube"
)

// youtubeScopes: upload to publish, readonly to find the channel and poll
// processing (docs/platforms/youtube.md#connecting: upload alone cannot call
// channels.list).
var youtubeScopes = []string{
	"https://www.googleapis.com/auth/youtube.upload",
	"https://www.googleapis.com/auth/youtube.readonly",
}

// NewYouTube returns the YouTube connector: Google's web-server flow with
// PKCE (S256), access_type=offline and prompt=consent so a refresh token
// comes every time, then one account per channel of channels.list?mine=true.
// cfg.APIURL is the base of /youtube/v3 (https://www.googleapis.com).
func NewYouTube(cfg Config) (*Connector, error) {
	return newConnector(cfg, func(c *Connector) flow { return &youtubeFlow{c: c} })
}

type youtubeFlow struct{ c *Connector }

func (f *youtubeFlow) platform() serentak.Platform { return serentak.YouTube }
func (f *youtubeFlow) pkce() bool                  { return true }

func (f *youtubeFlow) authCodeURL(state, verifier string) string {
	return f.c.oauth2Config(youtubeScopes).AuthCodeURL(state,
		oauth2.AccessTypeOffline, oauth2.ApprovalForce,
		oauth2.SetAuthURLParam("include_granted_scopes", "true"),
		oauth2.S256ChallengeOption(verifier))
}

func (f *youtubeFlow) exchange(ctx context.Context, code, verifier string) ([]found, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, f.c.client)
	tok, err := f.c.oauth2Config(youtubeScopes).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, exchangeError(serentak.YouTube, f.oauthError(err))
	}
	scopes := strings.Fields(fmt.Sprint(tok.Extra("scope")))
	if len(scopes) > 0 && !contains(scopes, youtubeScopes[0]) {
		return nil, refused(MissingPermissionsCode, "Serentak needs permission to upload videos to YouTube, and it was not granted; connect again and tick every box on Google's consent screen")
	}
	channels, err := f.channels(ctx, tok.AccessToken)
	if err != nil {
		return nil, fmt.Errorf("connect: list the YouTube channels: %w", err)
	}
	if len(channels) == 0 {
		return nil, refused(NoAccountsCode, "this Google account has no YouTube channel; create one on YouTube, then connect again")
	}
	var out []found
	for _, ch := range channels {
		out = append(out, found{
			account: serentak.Account{ExternalID: ch.ID, Name: ch.Snippet.Title, Token: serentak.Token{
				AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, ExpiresAt: tok.Expiry,
			}},
			scopes: scopes,
		})
	}
	return out, nil
}

type youtubeChannel struct {
	ID      string `json:"id"`
	Snippet struct {
		Title string `json:"title"`
	} `json:"snippet"`
}

func (f *youtubeFlow) channels(ctx context.Context, token string) ([]youtubeChannel, error) {
	var out struct {
		Items []youtubeChannel `json:"items"`
	}
	err := f.c.get(ctx, f.c.cfg.APIURL+"/youtube/v3/channels", url.Values{"part": {"id,snippet"}, "mine": {"true"}},
		auth{"Bearer", token}, f.read, &out)
	return out.Items, err
}

// verify lists the channel with the token: channels.list?mine=true, one
// quota unit.
func (f *youtubeFlow) verify(ctx context.Context, acc serentak.Account) error {
	if _, err := f.channels(ctx, acc.Token.AccessToken); err != nil {
		return verifyError(serentak.YouTube, err)
	}
	return nil
}

// read reads YouTube Data API answers as the YouTube adapter does.
func (f *youtubeFlow) read(status int, body []byte, header http.Header) *serentak.PublishError {
	if status/100 == 2 {
		return nil
	}
	return youtube.Classify(status, body, header, f.c.cfg.Now())
}

// oauthError turns golang.org/x/oauth2's *RetrieveError into a *refusal
// (its own text would carry the whole answer), keeping the OAuth error
// code the library read.
func (f *youtubeFlow) oauthError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if re.ErrorCode == "" {
			pe := f.read(status, re.Body, nil)
			if pe == nil {
				pe = &serentak.PublishError{Kind: serentak.Unknown, Code: "http_" + strconv.Itoa(status), Message: "Google's token answer could not be read"}
			}
			return &refusal{Status: status, Err: pe}
		}
		return &refusal{Status: status, Err: &serentak.PublishError{Kind: serentak.Rejected, Code: re.ErrorCode, Message: re.ErrorDescription}}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return stripURL(err)
	}
	return err
}

package payment

import (
	"context"
	"errors"
	"strings"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/token"
)

// splitID returns the account of an authorization id (<accountId>.<id>), and whether it is one.
func splitID(id string) (string, bool) {
	accountID, own, ok := strings.Cut(id, ".")
	return accountID, ok && len(accountID) == 26 && token.ValidScopedID(own)
}

// Capture settles an approved authorization: its reservation becomes a settled amount. A
// capture of a captured one answers it again; of one not approved (pending, voided, expired),
// authorization_not_approved. One read, one transaction.
func (s *Service) Capture(ctx context.Context, id string) (Answer, error) {
	return s.settle(ctx, id, StatusCaptured)
}

// Void releases a pending or approved authorization's reservation. A void of a voided or
// expired one answers it again; of a captured one, authorization_captured.
func (s *Service) Void(ctx context.Context, id string) (Answer, error) {
	return s.settle(ctx, id, StatusVoided)
}

func (s *Service) settle(ctx context.Context, id string, to Status) (Answer, error) {
	if _, ok := splitID(id); !ok {
		return Answer{}, account.Errorf(account.CodeNotFound, "no such payment authorization")
	}
	for try := 0; try < maxAttempts; try++ {
		a, err := s.store.Authorization(ctx, id)
		if err != nil {
			return Answer{}, err
		}
		if a == nil {
			return Answer{}, account.Errorf(account.CodeNotFound, "no such payment authorization")
		}
		done, err := settled(*a, to)
		if err != nil || done {
			return s.view(*a), err
		}
		switch err := s.store.Settle(ctx, *a, to, s.clock.Now()); {
		case errors.Is(err, account.ErrStale):
			continue // confirmed, settled or expired meanwhile: decide on what it is now
		case err != nil:
			return Answer{}, err
		}
		s.log.InfoContext(ctx, "payment "+string(to), "account", a.AccountID, "authorization", a.ID)
		a.Status = to
		return s.view(*a), nil
	}
	return Answer{}, account.Errorf(account.CodeConflict, "the authorization kept changing; try again")
}

// settled reports whether moving a to status to is done already, or refused.
func settled(a Authorization, to Status) (bool, error) {
	switch {
	case a.Status == to, to == StatusVoided && a.Status == StatusExpired:
		return true, nil
	case to == StatusCaptured && a.Status != StatusApproved:
		return false, account.Errorf(account.CodeNotApproved, "this payment is %s, not approved", a.Status)
	case to == StatusVoided && a.Status == StatusCaptured:
		return false, account.Errorf(account.CodeAlreadyCaptured, "this payment was captured; refund it instead")
	}
	return false, nil
}

// view is an authorization as the settling routes show it.
func (s *Service) view(a Authorization) Answer {
	return Answer{Decision: a.Decision, AuthorizationID: a.ID, Status: a.Status, Amount: a.Amount, Payee: a.Payee}
}

// sweepPage is how many due authorizations one sweep handles at most.
const sweepPage = 200

// ExpireDue releases what waited too long: pending authorizations past AUTHORIZATION_TTL and
// approved ones past AUTHORIZATION_HOLD. It answers how many it released; one that changed
// meanwhile (confirmed, captured, voided) is left as it is.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.clock.Now()
	due, err := s.store.Due(ctx, now, sweepPage)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range due {
		switch err := s.store.Settle(ctx, a, StatusExpired, now); {
		case errors.Is(err, account.ErrStale):
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	if n > 0 {
		s.log.InfoContext(ctx, "payment authorizations expired", "count", n)
	}
	return n, nil
}

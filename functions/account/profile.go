package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/apigw"
	"github.com/wallet-accounts/wallet/shared/profile"
)

// profileBody is a PATCH of the profile: a field left out stays as it is.
type profileBody struct {
	RealName    *string `json:"realName"`
	Gender      *string `json:"gender"`
	DateOfBirth *string `json:"dateOfBirth"`
	Address     *string `json:"address"`
	Occupation  *string `json:"occupation"`
	Citizenship *string `json:"citizenship"`
	IDType      *string `json:"idType"`
	IDNumber    *string `json:"idNumber"`
}

func (h handler) profile(ctx context.Context, p account.Principal, _ events.APIGatewayV2HTTPRequest) (response, error) {
	prof, err := h.profiles.Get(ctx, p)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, prof), nil
}

func (h handler) editProfile(ctx context.Context, p account.Principal, req events.APIGatewayV2HTTPRequest) (response, error) {
	var in profileBody
	if err := apigw.Decode(req, &in); err != nil {
		return response{}, err
	}
	prof, err := h.profiles.Update(ctx, p, profile.Patch{RealName: in.RealName, Gender: in.Gender, DateOfBirth: in.DateOfBirth,
		Address: in.Address, Occupation: in.Occupation, Citizenship: in.Citizenship, IDType: in.IDType, IDNumber: in.IDNumber})
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, prof), nil
}

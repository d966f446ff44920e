global using static Microsoft.Playwright.Assertions;

"""The application wizard's pages (证书新办): ``WizardPage`` renders the Qt-free
``services.wizard.ApplicationWizard`` one step at a time, with one ``StepView`` per step."""
